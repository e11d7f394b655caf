"""Factories for core objects and users with roles."""

import datetime

import factory
from django.contrib.auth.models import Group, User

from apps.core.models import CompanyLicence, CompanySettings, DeviceClass, LicenceType, today
from apps.core.validators import uscc_check_char


class CleanFactory(factory.django.DjangoModelFactory):
    """Runs full_clean() before saving, so a factory cannot build invalid data."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.full_clean()
        obj.save()
        return obj


def licence_import_headers(owner: str) -> list[str]:
    """The header row of a licence spreadsheet whose first column is the owner's code."""
    return [
        owner,
        "licence_type",
        "number",
        "holder",
        "issued_on",
        "valid_until",
        "scope_classes",
        "scope_categories",
    ]


def make_uscc(seq: int) -> str:
    body = f"91310000{seq:09d}"
    return body + uscc_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test-pass-2026!")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        self.save()


def user_with_role(role: str, username: str | None = None) -> User:
    return UserFactory(username=username or f"{role}_user", roles=[role])


def licensed_company(categories=()) -> CompanySettings:
    """Our company with a long-term business licence and Class II/III operating licences
    covering `categories` (catalog Category objects)."""
    company = CompanySettings.load()
    company.name = "上海示例医疗器械有限公司"
    company.save()
    issued = today() - datetime.timedelta(days=365)
    CompanyLicence.objects.create(
        licence_type=LicenceType.BUSINESS,
        number=make_uscc(1),
        holder=company.name,
        issued_on=issued,
        valid_until=None,
    )
    for licence_type, cls, number in (
        (LicenceType.DEVICE_OPERATING, DeviceClass.CLASS_III, "沪药监械经营许20190001号"),
        (LicenceType.DEVICE_FILING, DeviceClass.CLASS_II, "沪浦药监械经营备20190001号"),
    ):
        lic = CompanyLicence.objects.create(
            licence_type=licence_type,
            number=number,
            holder=company.name,
            issued_on=issued,
            valid_until=today() + datetime.timedelta(days=3 * 365),
            scope_classes=[cls],
        )
        lic.scope_categories.set(categories)
    return company
