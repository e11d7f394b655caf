"""Demo data of a Shanghai medical-device distributor, loaded by `manage.py load_demo`.

Every row is found by its code (a licence by its holder and type, a sales representative's
authorisation by its supplier, an approval by its subject), so loading twice updates rows
in place instead of duplicating them; a row is written only when a value changed. Dates
are relative to today, so the demo always shows licences that expire within 30 days and
some that already expired. Random choices use a fixed seed: every run builds the same data.

Rows go through `checked()`: full_clean() runs the field validators and every model's
clean(); the unique and check constraints are left to PostgreSQL, which enforces the same
constraints on insert inside the one transaction (a violation aborts the whole load).
Validating them in Python as well costs three queries per constraint per row and would
double the run time.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone

from apps.catalog.models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
)
from apps.core.models import (
    ApprovalStatus,
    CompanyLicence,
    CompanySettings,
    DeviceClass,
    LicenceType,
    today,
)
from apps.core.roles import ROLES
from apps.core.validators import gtin_check_digit, id_number_check_char, uscc_check_char
from apps.customers.models import Customer, CustomerClass, CustomerLicence, CustomerType
from apps.suppliers.models import (
    SalesRepAuthorisation,
    Supplier,
    SupplierFirstApproval,
    SupplierLicence,
)

from ._demo_catalogue import CATEGORIES, FAMILIES, MAKERS, SUB_CATEGORIES
from ._demo_purchasing import PurchasingLoader
from ._demo_sales import SalesLoader
from ._demo_stock import StockLoader

DEMO_PASSWORD = "GspDemo-2026"
SEED = 20260101

# username (= role code) -> display name of the demo person.
DEMO_PEOPLE = {
    "purchaser": "张伟",
    "inspector": "李娜",
    "keeper": "王强",
    "checker": "刘洋",
    "sales": "陈静",
    "quality_manager": "赵敏",
    "manager": "孙浩",
    "finance": "周丽",
    "auditor": "吴刚",
}
ADMIN_USERNAME = "admin"
STAFF_ROLES = {"manager"}

COMPANY = {
    "name": "上海瑞康医疗器械有限公司",
    "address": "上海市浦东新区张江路1288号3幢5楼",
    "warehouse_address": "上海市浦东新区川沙路5188号2号库",
    "legal_representative": "陈建国",
    "quality_manager_name": "赵敏",
    "phone": "021-58961234",
}

# (district, administrative division code) for addresses and credit codes.
DISTRICTS = (
    ("浦东新区", "310115"),
    ("徐汇区", "310104"),
    ("长宁区", "310105"),
    ("静安区", "310106"),
    ("普陀区", "310107"),
    ("杨浦区", "310110"),
    ("闵行区", "310112"),
    ("宝山区", "310113"),
    ("嘉定区", "310114"),
    ("松江区", "310117"),
    ("青浦区", "310118"),
    ("奉贤区", "310120"),
)
ROADS = (
    "张江路",
    "金科路",
    "龙东大道",
    "川沙路",
    "漕宝路",
    "宜山路",
    "虹桥路",
    "天山路",
    "江场路",
    "共和新路",
    "长阳路",
    "沪闵路",
    "七莘路",
    "曹安公路",
    "嘉松北路",
    "新松江路",
    "华腾路",
    "南桥环城东路",
    "祁连山路",
    "真北路",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建华",
    "晓东",
    "志强",
    "海燕",
    "玉兰",
)
BANKS = (
    "中国工商银行上海市张江支行",
    "中国建设银行上海浦东分行",
    "招商银行上海分行营业部",
    "交通银行上海徐汇支行",
    "上海浦东发展银行闵行支行",
    "中国银行上海市静安支行",
)

# (code, name, province prefix, city, division code) of the suppliers.
SUPPLIERS = (
    ("GYS001", "上海康德医疗器械有限公司"),
    ("GYS002", "上海瑞福医疗科技有限公司"),
    ("GYS003", "上海华东医疗器械贸易有限公司"),
    ("GYS004", "上海恒信医疗用品有限公司"),
    ("GYS005", "上海联众医疗器械有限公司"),
    ("GYS006", "上海众仁医疗设备有限公司"),
    ("GYS007", "上海安泰医疗器械有限公司"),
    ("GYS008", "上海新世纪医疗用品有限公司"),
    ("GYS009", "上海博润医疗科技有限公司"),
    ("GYS010", "上海金桥医疗器械有限公司"),
    ("GYS011", "上海汇美医疗器械有限公司"),
    ("GYS012", "上海天和医疗设备有限公司"),
    ("GYS013", "上海福泽医疗器械有限公司"),
    ("GYS014", "上海海辰医疗用品有限公司"),
    ("GYS015", "上海东信医疗器械有限公司"),
    ("GYS016", "江苏康达医疗器械有限公司"),
    ("GYS017", "江苏瑞泰医疗器械有限公司"),
    ("GYS018", "苏州协泰医疗用品有限公司"),
    ("GYS019", "浙江康盛医疗器械有限公司"),
    ("GYS020", "杭州华越医疗科技有限公司"),
    ("GYS021", "宁波安康医疗器械有限公司"),
    ("GYS022", "南京普泽医疗器械有限公司"),
    ("GYS023", "无锡恒康医疗器械有限公司"),
    ("GYS024", "上海利民医疗器械有限公司"),
    ("GYS025", "上海百瑞达医疗科技有限公司"),
    ("GYS026", "上海瑞尔医疗器械有限公司"),
    ("GYS027", "上海宏图医疗设备有限公司"),
    ("GYS028", "上海佳禾医疗器械有限公司"),
    ("GYS029", "上海美怡医疗器械有限公司"),
    ("GYS030", "上海凯泽医疗器械有限公司"),
)
# Province licence prefix and division code by the city the supplier's name starts with.
SUPPLIER_REGION = {
    "上海": ("沪", "310115"),
    "江苏": ("苏", "320000"),
    "苏州": ("苏", "320500"),
    "南京": ("苏", "320100"),
    "无锡": ("苏", "320200"),
    "浙江": ("浙", "330000"),
    "杭州": ("浙", "330100"),
    "宁波": ("浙", "330200"),
}

# (name, type, class code, public institution?)
HOSPITALS = (
    ("上海市浦江区中心医院", "H3", True),
    ("上海市浦江区人民医院", "H2", True),
    ("上海市申城第三人民医院", "H3", True),
    ("上海市东滨医院", "H3", True),
    ("上海市松泽区中医医院", "H2", True),
    ("上海市静澜区妇幼保健院", "H2", True),
    ("上海市沪西肿瘤医院", "H3", True),
    ("上海市淞江口腔医院", "H2", True),
    ("上海市吴泾区老年医院", "H2", True),
    ("上海市新桥区人民医院", "H2", True),
    ("上海市金汇区中心医院", "H3", True),
    ("上海市滨江骨科医院", "H3", True),
    ("上海市华泾眼耳鼻喉科医院", "H3", True),
    ("上海市浦江区康复医院", "H2", True),
    ("上海市申城儿童医院", "H3", True),
    ("上海市东滨胸科医院", "H3", True),
    ("上海市新桥区妇产科医院", "H2", True),
    ("上海市浦江区花木社区卫生服务中心", "H1", True),
    ("上海市浦江区张江社区卫生服务中心", "H1", True),
    ("上海市申城区曹杨社区卫生服务中心", "H1", True),
    ("上海市金汇区泗泾社区卫生服务中心", "H1", True),
    ("上海市新桥区七宝社区卫生服务中心", "H1", True),
    ("上海瑞和国际医院", "PRV", False),
    ("上海仁泰医院", "PRV", False),
    ("上海嘉禾口腔门诊部", "PRV", False),
    ("上海明眸眼科医院", "PRV", False),
    ("上海安康骨科医院", "PRV", False),
)
DISTRIBUTORS = (
    "上海康桥医疗器械有限公司",
    "上海申联医疗科技有限公司",
    "上海瑞通医疗器械有限公司",
    "上海华茂医疗用品有限公司",
    "上海德润医疗器械有限公司",
    "上海泰和医疗器械有限公司",
    "上海浦源医疗科技有限公司",
    "上海永康医疗器械有限公司",
    "苏州恒泰医疗器械有限公司",
    "杭州瑞泽医疗用品有限公司",
    "南通康源医疗器械有限公司",
    "嘉兴华信医疗器械有限公司",
    "上海欣诺医疗器械有限公司",
    "上海明远医疗设备有限公司",
    "上海广仁医疗器械有限公司",
    "昆山安达医疗器械有限公司",
)
PHARMACIES = (
    "上海康寿堂大药房有限公司",
    "上海惠民大药房连锁有限公司",
    "上海益民堂大药房有限公司",
    "上海百信堂大药房有限公司",
    "上海德仁堂药房有限公司",
    "上海众康大药房有限公司",
    "上海济民大药房有限公司",
    "上海福寿康大药房有限公司",
    "上海同康药房有限公司",
    "上海永宁大药房有限公司",
    "上海九和堂国药有限公司",
    "上海安心大药房有限公司",
    "上海康之源大药房有限公司",
    "上海瑞泰大药房连锁有限公司",
    "上海天益大药房有限公司",
    "上海华康药房有限公司",
    "上海沪东大药房有限公司",
)
CUSTOMER_CLASSES = (
    ("H3", "三级医院"),
    ("H2", "二级医院"),
    ("H1", "一级医院及社区卫生服务中心"),
    ("PRV", "民营医疗机构"),
    ("DIST", "医疗器械经营企业"),
    ("PHAR", "零售药店"),
)
CREDIT_LIMITS = {
    code: Decimal(amount)
    for code, amount in (
        ("H3", 2000000),
        ("H2", 800000),
        ("H1", 200000),
        ("PRV", 300000),
        ("DIST", 500000),
        ("PHAR", 50000),
    )
}
# Categories every supplier and distributor customer is licensed for (common consumables).
CORE = ("6815", "6864", "6866")
# Categories a pharmacy's Class II filing covers.
PHARMACY_SCOPE = ("6820", "6821", "6826", "6827", "6840", "6856", "6858", "6864", "6866")

# Deliberately awkward licences, so that the lists and the dashboard show amber and red:
# code -> {licence type: days from today to valid_until} (negative = already expired).
SUPPLIER_EXCEPTIONS = {
    "GYS005": {LicenceType.BUSINESS: -12},
    "GYS010": {LicenceType.DEVICE_OPERATING: 12},
    "GYS014": {LicenceType.DEVICE_OPERATING: 26},
    "GYS018": {LicenceType.DEVICE_FILING: -40},
    "GYS023": {LicenceType.DEVICE_FILING: 18},
}
SUPPLIER_REP_EXCEPTIONS = {"GYS022": -15, "GYS025": 9}  # rep authorisation ends
SUPPLIER_PENDING = {
    "GYS028": ApprovalStatus.SUBMITTED,
    "GYS029": ApprovalStatus.QUALITY_APPROVED,
    "GYS030": ApprovalStatus.DRAFT,
}
CUSTOMER_EXCEPTIONS = {
    "KH003": {LicenceType.MEDICAL_INSTITUTION: 14},
    "KH011": {LicenceType.INSTITUTION: 22},
    "KH020": {LicenceType.MEDICAL_INSTITUTION: -5},
    "KH031": {LicenceType.DEVICE_OPERATING: -45},
    "KH036": {LicenceType.BUSINESS: 20},
    "KH048": {LicenceType.DEVICE_FILING: 7},
    "KH054": {LicenceType.DRUG_OPERATING: -60},
}
MAKER_EXCEPTIONS = {"SC008": 18, "SC028": -30}  # production licence ends
# Products whose registration certificate expired or is about to (days from today).
REGISTRATION_EXCEPTIONS = {"SP0151": -15, "SP0088": 20}
PENDING_PRODUCTS = {
    "SP0233": ApprovalStatus.SUBMITTED,
    "SP0234": ApprovalStatus.SUBMITTED,
    "SP0235": ApprovalStatus.QUALITY_APPROVED,
    "SP0236": ApprovalStatus.DRAFT,
    "SP0120": ApprovalStatus.SUBMITTED,
    "SP0045": ApprovalStatus.QUALITY_APPROVED,
}


def checked(obj):
    """full_clean() minus the constraints PostgreSQL enforces itself (see the docstring)."""
    obj.full_clean(validate_unique=False, validate_constraints=False)
    return obj


class Loader:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.today = today()
        self.now = timezone.now()
        self.stats: Counter = Counter()
        self.password_hash: str | None = None
        self.existing: dict = {}

    # helpers ---------------------------------------------------------------
    def days(self, n: int) -> datetime.date:
        return self.today + datetime.timedelta(days=n)

    @staticmethod
    def _key(model, lookup: dict) -> tuple:
        items = []
        for name, value in sorted(lookup.items()):
            field = model._meta.get_field(name)
            if isinstance(field, models.ForeignKey):
                name, value = field.attname, (value.pk if value is not None else None)
            items.append((name, value))
        return tuple(items)

    def _existing(self, model, lookup: dict) -> dict:
        """Every existing row of `model`, indexed by the fields of `lookup` (one query)."""
        names = tuple(sorted(lookup))
        index = self.existing.get((model, names))
        if index is None:
            rows = model._default_manager.all()
            if any(f.name == "scope_categories" for f in model._meta.many_to_many):
                rows = rows.prefetch_related("scope_categories")
            attnames = [model._meta.get_field(n).attname for n in names]
            index = {tuple((a, getattr(row, a)) for a in attnames): row for row in rows}
            self.existing[(model, names)] = index
        return index

    def upsert(self, model, lookup: dict, values: dict, m2m: dict | None = None):
        """Find by `lookup`, set `values`, full_clean and save only when something changed."""
        index = self._existing(model, lookup)
        key = self._key(model, lookup)
        obj = index.get(key)
        created = obj is None
        if created:
            obj = model(**lookup)
        changed = created
        for name, value in values.items():
            field = model._meta.get_field(name)
            if isinstance(field, models.ForeignKey):
                attname, value = field.attname, (value.pk if value is not None else None)
            else:
                attname = name
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                changed = True
        if changed:
            checked(obj).save()
            index[key] = obj
            self.stats[f"{model._meta.model_name} {'created' if created else 'updated'}"] += 1
        for name, targets in (m2m or {}).items():
            wanted = {t.pk for t in targets}
            if created or {t.pk for t in getattr(obj, name).all()} != wanted:
                getattr(obj, name).set(targets)
        return obj

    def scope(self, categories: dict[str, Category], leave_out: int) -> list[Category]:
        """The top-level categories less `leave_out` random ones, keeping the consumables
        every distributor deals in."""
        optional = [c for code, c in categories.items() if "-" not in code and code not in CORE]
        dropped = set(self.rng.sample(optional, leave_out))
        return [c for code, c in categories.items() if "-" not in code and c not in dropped]

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        return f"021-{self.rng.randint(5000, 6999)}{self.rng.randint(0, 9999):04d}"

    def mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 999999999):09d}"

    def address(self, city: str = "上海市", district: str | None = None) -> str:
        district = district or self.rng.choice(DISTRICTS)[0]
        return f"{city}{district}{self.rng.choice(ROADS)}{self.rng.randint(8, 2999)}号"

    @staticmethod
    def uscc(prefix: str, division: str, serial: str) -> str:
        body = f"{prefix}{division}{serial}"
        return body + uscc_check_char(body)

    def id_number(self) -> str:
        birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 9000))
        body = f"{self.rng.choice(DISTRICTS)[1]}{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
        return body + id_number_check_char(body)

    def issued_and_until(self, offset: int | None, years: int = 5):
        """A licence valid for `years`, issued some time ago; or, when `offset` is given,
        one that ends `offset` days from today (negative: already expired)."""
        if offset is not None:
            until = self.days(offset)
            issued = until - datetime.timedelta(days=365 * years - 1)
            return issued, until
        issued = self.days(-self.rng.randint(60, 365 * years - 200))
        return issued, issued + datetime.timedelta(days=365 * years - 1)

    # users -----------------------------------------------------------------
    def users(self) -> dict[str, User]:
        validate_password(DEMO_PASSWORD)
        missing = {role.code for role in ROLES} - set(Group.objects.values_list("name", flat=True))
        if missing:
            raise RuntimeError(f"role groups missing (run migrate first): {sorted(missing)}")
        users = {}
        for role in ROLES:
            users[role.code] = self.user(
                role.code, DEMO_PEOPLE.get(role.code, role.code), groups=[role.code]
            )
        self.user(ADMIN_USERNAME, "系统管理员", superuser=True)
        return users

    def user(self, username: str, full_name: str, groups=(), superuser=False) -> User:
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
            # One hash for every demo user: hashing costs most of a second each.
            if self.password_hash is None:
                self.password_hash = make_password(DEMO_PASSWORD)
            user.password = self.password_hash
        user.first_name = full_name
        user.email = f"{username}@ruikang-demo.example"
        user.is_staff = superuser or username in STAFF_ROLES
        user.is_superuser = superuser
        user.is_active = True
        checked(user).save()
        user.groups.set(Group.objects.filter(name__in=groups))
        self.stats[f"user {'created' if created else 'kept'}"] += 1
        return user

    # company ---------------------------------------------------------------
    def company(self, categories: list[Category]) -> None:
        settings = CompanySettings.load()
        uscc = self.uscc("91", "310115", "MA1FL7R2K")
        wanted = {**COMPANY, "unified_social_credit_code": uscc}
        if any(getattr(settings, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(settings, name, value)
            settings.full_clean()
            settings.save()
        name = COMPANY["name"]
        issued = self.days(-800)
        until = issued + datetime.timedelta(days=5 * 365 - 1)
        self.upsert(
            CompanyLicence,
            {"licence_type": LicenceType.BUSINESS, "number": uscc},
            {
                "holder": name,
                "issuing_authority": "上海市浦东新区市场监督管理局",
                "issued_on": datetime.date(2015, 6, 18),
                "valid_until": None,
            },
        )
        for licence_type, number, cls, authority in (
            (
                LicenceType.DEVICE_OPERATING,
                "沪药监械经营许20150321号",
                DeviceClass.CLASS_III,
                "上海市药品监督管理局",
            ),
            (
                LicenceType.DEVICE_FILING,
                "沪浦药监械经营备20150456号",
                DeviceClass.CLASS_II,
                "上海市浦东新区市场监督管理局",
            ),
        ):
            self.upsert(
                CompanyLicence,
                {"licence_type": licence_type, "number": number},
                {
                    "holder": name,
                    "issuing_authority": authority,
                    "issued_on": issued,
                    "valid_until": until,
                    "scope_classes": [cls],
                },
                m2m={"scope_categories": categories},
            )

    # catalogue -------------------------------------------------------------
    def categories(self) -> dict[str, Category]:
        result = {}
        for code, name in CATEGORIES:
            result[code] = self.upsert(Category, {"code": code}, {"name": name, "parent": None})
        for code, name in SUB_CATEGORIES:
            parent = result[code.split("-")[0]]
            result[code] = self.upsert(Category, {"code": code}, {"name": name, "parent": parent})
        return result

    def manufacturers(self, categories: dict[str, Category]) -> dict[str, Manufacturer]:
        result = {}
        for index, maker in enumerate(MAKERS, start=1):
            obj = self.upsert(
                Manufacturer,
                {"code": maker.code},
                {
                    "name": maker.name,
                    "country": maker.country,
                    "address": (
                        f"{maker.origin}市{self.rng.choice(ROADS)}{self.rng.randint(8, 999)}号"
                        if not maker.imported
                        else ""
                    ),
                    "contact_person": self.person(),
                    "phone": self.phone(),
                },
            )
            result[maker.code] = obj
            if maker.imported:
                continue
            classes = sorted(
                {f.device_class for f in FAMILIES if f.category[:4] in maker.specialties}
            )
            filing_only = classes == [DeviceClass.CLASS_I]
            issued, until = self.issued_and_until(MAKER_EXCEPTIONS.get(maker.code))
            if filing_only:
                number = f"{maker.filing_prefix}药监械生产备{issued.year}{index:04d}号"
            else:
                number = f"{maker.province}药监械生产许{issued.year}{index:04d}号"
            self.upsert(
                ManufacturerLicence,
                {"manufacturer": obj, "licence_type": LicenceType.DEVICE_PRODUCTION},
                {
                    "number": number,
                    "holder": maker.name,
                    "issuing_authority": f"{maker.origin[:2]}省药品监督管理局"
                    if maker.province not in "沪京津"
                    else f"{maker.origin[:2]}市药品监督管理局",
                    "issued_on": issued,
                    "valid_until": until,
                    "scope_classes": classes,
                },
                m2m={"scope_categories": [categories[c] for c in maker.specialties]},
            )
        return result

    def registration(self, family, maker, serial: int) -> tuple[str, datetime.date | None]:
        cat2 = family.category[2:4]
        if family.device_class == DeviceClass.CLASS_I:
            year = self.rng.randint(2015, 2023)
            prefix = "国" if maker.imported else maker.filing_prefix
            return f"{prefix}械备{year}{serial:04d}号", None
        until = self.days(self.rng.randint(120, 1700))
        year = until.year - 5
        if maker.imported:
            return f"国械注进{year}{family.device_class}{cat2}{serial:04d}", until
        if family.device_class == DeviceClass.CLASS_III:
            return f"国械注准{year}3{cat2}{serial:04d}", until
        return f"{maker.province}械注准{year}2{cat2}{serial:04d}", until

    def products(self, categories, manufacturers) -> list[Product]:
        makers_by_code = {m.code: m for m in MAKERS}
        turn: Counter = Counter()
        products = []
        seq = 0
        for family_index, family in enumerate(FAMILIES, start=1):
            top = family.category[:4]
            candidates = [
                m for m in MAKERS if top in m.specialties and m.imported == family.imported
            ]
            maker = candidates[turn[(top, family.imported)] % len(candidates)]
            turn[(top, family.imported)] += 1
            reg_number, reg_until = self.registration(family, maker, 100 + family_index)
            for spec_index, spec in enumerate(family.specs):
                seq += 1
                code = f"SP{seq:04d}"
                until = reg_until
                if code in REGISTRATION_EXCEPTIONS:
                    until = self.days(REGISTRATION_EXCEPTIONS[code])
                price = Decimal(str(family.price * (1 + family.step * spec_index))).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
                price = max(price, Decimal("0.01"))
                retail = (
                    (price * Decimal("1.35")).quantize(Decimal("0.1")) if family.retail else None
                )
                barcode_body = f"69{int(maker.code[2:]):03d}{seq:07d}"
                barcode = barcode_body + gtin_check_digit(barcode_body)
                consumable = price < 100
                min_stock = family.aux[1] if family.aux else 20
                values = {
                    "name": family.name,
                    "generic_name": family.generic or family.name,
                    "spec": spec,
                    "unit": family.unit,
                    "aux_unit": family.aux[0] if family.aux else "",
                    "aux_conversion": family.aux[1] if family.aux else None,
                    "registration_number": reg_number,
                    "registration_valid_until": until,
                    "device_class": family.device_class,
                    "category": categories[family.category],
                    "manufacturer": manufacturers[maker.code],
                    "origin": makers_by_code[maker.code].origin,
                    "storage_condition": family.storage,
                    "shelf_life_months": family.shelf,
                    "barcode": barcode,
                    "udi_di": ("0" + barcode) if family.implantable else "",
                    "national_wholesale_price": price,
                    "retail_price": retail,
                    "tax_rate": Decimal("13.00"),
                    "is_controlled": family.controlled,
                    "is_serialised": family.serialised,
                    "is_implantable": family.implantable,
                    "max_qty": family.max_qty[0] if family.max_qty else None,
                    "max_qty_period": family.max_qty[1] if family.max_qty else "",
                    "min_stock": min_stock if consumable else None,
                    "max_stock": min_stock * 20 if consumable else None,
                }
                products.append(self.upsert(Product, {"code": code}, values))
        return products

    def approval(self, model, subject_field: str, subject, status, users) -> None:
        """A first-time approval in `status`, with the demo users at each step done so far."""
        # Drawn first, so that the random sequence does not depend on what exists.
        started = self.now - datetime.timedelta(days=self.rng.randint(30, 900))
        lookup = {subject_field: subject}
        if self._key(model, lookup) in self._existing(model, lookup):
            return  # keep whatever the demo users did with it since
        approval = model(**{subject_field: subject}, status=status)
        if status != ApprovalStatus.DRAFT:
            approval.submitted_by = users["purchaser"]
            approval.submitted_at = started
            approval.application_note = "首次经营，资质齐全，申请首营审批。"
        if status in (ApprovalStatus.QUALITY_APPROVED, ApprovalStatus.APPROVED):
            approval.quality_by = users["quality_manager"]
            approval.quality_at = started + datetime.timedelta(days=1)
            approval.quality_opinion = "资质审核合格，同意。"
        if status == ApprovalStatus.APPROVED:
            approval.manager_by = users["manager"]
            approval.manager_at = started + datetime.timedelta(days=2)
            approval.manager_opinion = "同意首营。"
        checked(approval).save()
        self.stats[f"{model._meta.model_name} created"] += 1

    # suppliers -------------------------------------------------------------
    def suppliers(self, categories, users) -> list[Supplier]:
        result = []
        for index, (code, name) in enumerate(SUPPLIERS, start=1):
            province, division = SUPPLIER_REGION[name[:2]]
            city = "上海市" if province == "沪" else ""
            district = self.rng.choice(DISTRICTS)[0] if province == "沪" else ""
            uscc = self.uscc("91", division, f"MA1G{index:05d}")
            address = (
                self.address(city, district)
                if province == "沪"
                else f"{name[:2]}市{self.rng.choice(ROADS)}{self.rng.randint(8, 999)}号"
            )
            supplier = self.upsert(
                Supplier,
                {"code": code},
                {
                    "name": name,
                    "unified_social_credit_code": uscc,
                    "legal_representative": self.person(),
                    "address": address,
                    "warehouse_address": f"{address}1号仓库",
                    "contact_person": self.person(),
                    "phone": self.phone(),
                    "email": f"sales{index:02d}@supplier{index:02d}.example",
                    "bank_name": self.rng.choice(BANKS),
                    "bank_account": f"{self.rng.randint(10**18, 10**19 - 1)}",
                    "business_scope": "第三类医疗器械经营；第二类医疗器械销售；第一类医疗器械销售；"
                    "医疗器械技术咨询。",
                },
            )
            scope = self.scope(categories, self.rng.randint(0, 8))
            exceptions = SUPPLIER_EXCEPTIONS.get(code, {})
            business_end = exceptions.get(LicenceType.BUSINESS)
            business_until = self.days(business_end) if business_end is not None else None
            self.upsert(
                SupplierLicence,
                {"supplier": supplier, "licence_type": LicenceType.BUSINESS},
                {
                    "number": uscc,
                    "holder": name,
                    "issuing_authority": f"{'上海市' if province == '沪' else name[:2]}"
                    "市场监督管理局",
                    "issued_on": datetime.date(2008 + index % 12, 1 + index % 12, 10 + index % 18),
                    "valid_until": business_until,
                },
            )
            for licence_type, kind, cls in (
                (LicenceType.DEVICE_OPERATING, "许", DeviceClass.CLASS_III),
                (LicenceType.DEVICE_FILING, "备", DeviceClass.CLASS_II),
            ):
                issued, until = self.issued_and_until(exceptions.get(licence_type))
                self.upsert(
                    SupplierLicence,
                    {"supplier": supplier, "licence_type": licence_type},
                    {
                        "number": f"{province}药监械经营{kind}{issued.year}{200 + index:04d}号",
                        "holder": name,
                        "issuing_authority": "上海市药品监督管理局"
                        if province == "沪"
                        else f"{name[:2]}药品监督管理局",
                        "issued_on": issued,
                        "valid_until": until,
                        "scope_classes": [cls],
                    },
                    m2m={"scope_categories": scope},
                )
            rep_end = SUPPLIER_REP_EXCEPTIONS.get(code)
            until = self.days(rep_end if rep_end is not None else self.rng.randint(60, 700))
            self.upsert(
                SalesRepAuthorisation,
                {"supplier": supplier},
                {
                    "id_number": self.id_number(),
                    "rep_name": self.person(),
                    "phone": self.mobile(),
                    "valid_from": min(until - datetime.timedelta(days=364), self.today),
                    "valid_until": until,
                    "scope": "授权销售本公司经营范围内全部医疗器械产品",
                },
            )
            status = SUPPLIER_PENDING.get(code, ApprovalStatus.APPROVED)
            self.approval(SupplierFirstApproval, "supplier", supplier, status, users)
            result.append(supplier)
        return result

    # customers -------------------------------------------------------------
    def customers(self, categories) -> list[Customer]:
        classes = {
            code: self.upsert(CustomerClass, {"code": code}, {"name": name})
            for code, name in CUSTOMER_CLASSES
        }
        rows = [(name, CustomerType.HOSPITAL, cls, public) for name, cls, public in HOSPITALS]
        rows += [(name, CustomerType.DISTRIBUTOR, "DIST", False) for name in DISTRIBUTORS]
        rows += [(name, CustomerType.PHARMACY, "PHAR", False) for name in PHARMACIES]
        pharmacy_scope = [categories[code] for code in PHARMACY_SCOPE]
        result = []
        for index, (name, customer_type, class_code, public) in enumerate(rows, start=1):
            code = f"KH{index:03d}"
            district, division = self.rng.choice(DISTRICTS)
            if public:
                uscc = self.uscc("12", division, f"4250{index:05d}")
            else:
                uscc = self.uscc("91", division, f"MA1K{index:05d}")
            hospital = customer_type == CustomerType.HOSPITAL
            customer = self.upsert(
                Customer,
                {"code": code},
                {
                    "name": name,
                    "customer_type": customer_type,
                    "customer_class": classes[class_code],
                    "unified_social_credit_code": uscc,
                    "address": self.address(district=district),
                    "delivery_address": "设备科/器械库房" if hospital else "",
                    "contact_person": self.person(),
                    "phone": self.phone(),
                    "email": "",
                    "credit_limit": CREDIT_LIMITS[class_code],
                    "payment_terms_days": {"H3": 180, "H2": 120, "H1": 90}.get(class_code, 30),
                    "min_shelf_life_days": 365 if class_code == "H3" else None,
                },
            )
            licences = []
            if public:
                licences.append((LicenceType.INSTITUTION, uscc, "上海市事业单位登记管理局", None))
            else:
                licences.append(
                    (LicenceType.BUSINESS, uscc, f"上海市{district}市场监督管理局", None)
                )
            if hospital:
                number = f"{uscc[8:17]}{division}{'12' if public else '52'}A1001"
                licences.append(
                    (LicenceType.MEDICAL_INSTITUTION, number, "上海市卫生健康委员会", None)
                )
            elif customer_type == CustomerType.DISTRIBUTOR:
                scope = self.scope(categories, self.rng.randint(4, 16))
                licences.append(
                    (
                        LicenceType.DEVICE_OPERATING,
                        f"沪药监械经营许{2016 + index % 8}{500 + index:04d}号",
                        "上海市药品监督管理局",
                        (DeviceClass.CLASS_III, scope),
                    )
                )
                licences.append(
                    (
                        LicenceType.DEVICE_FILING,
                        f"沪{district[0]}药监械经营备{2016 + index % 8}{500 + index:04d}号",
                        f"上海市{district}市场监督管理局",
                        (DeviceClass.CLASS_II, scope),
                    )
                )
            else:
                licences.append(
                    (
                        LicenceType.DRUG_OPERATING,
                        f"沪{'ABCD'[index % 4]}{'ABC'[index % 3]}{210000 + index:07d}",
                        "上海市药品监督管理局",
                        None,
                    )
                )
                licences.append(
                    (
                        LicenceType.DEVICE_FILING,
                        f"沪{district[0]}药监械经营备{2016 + index % 8}{700 + index:04d}号",
                        f"上海市{district}市场监督管理局",
                        (DeviceClass.CLASS_II, pharmacy_scope),
                    )
                )
            for licence_type, number, authority, scope in licences:
                exception = CUSTOMER_EXCEPTIONS.get(code, {}).get(licence_type)
                if licence_type in (LicenceType.BUSINESS, LicenceType.INSTITUTION):
                    issued = datetime.date(2005 + index % 15, 1 + index % 12, 1 + index % 27)
                    until = self.days(exception) if exception is not None else None
                else:
                    issued, until = self.issued_and_until(exception)
                self.upsert(
                    CustomerLicence,
                    {"customer": customer, "licence_type": licence_type},
                    {
                        "number": number,
                        "holder": name,
                        "issuing_authority": authority,
                        "issued_on": issued,
                        "valid_until": until,
                        "scope_classes": [scope[0]] if scope else [],
                    },
                    m2m={"scope_categories": scope[1]} if scope else None,
                )
            result.append(customer)
        return result

    # all -------------------------------------------------------------------
    def run(self) -> Counter:
        with transaction.atomic():
            users = self.users()
            categories = self.categories()
            top = [categories[code] for code, _name in CATEGORIES]
            self.company(top)
            manufacturers = self.manufacturers(categories)
            products = self.products(categories, manufacturers)
            for product in products:
                status = PENDING_PRODUCTS.get(product.code, ApprovalStatus.APPROVED)
                self.approval(ProductFirstApproval, "product", product, status, users)
            self.suppliers(categories, users)
            self.customers(categories)
            pending = {
                code
                for code, status in PENDING_PRODUCTS.items()
                if status != ApprovalStatus.APPROVED
            }
            warehouse = StockLoader(
                self, users, address=COMPANY["warehouse_address"], without_stock=pending
            ).run(products)
            PurchasingLoader(self, users, warehouse).run()
            SalesLoader(self, users, warehouse).run()
        return self.stats


def load_demo() -> Counter:
    return Loader().run()
