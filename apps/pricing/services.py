"""Pricing services (DESIGN.md 8): price-change notices, the national price history and the
cross discount matrix. Every write of the pricing app goes through these functions; the
staff pages, the admin and the importer call them.

Each is atomic and locks in the project order (customer row, then product rows by pk).
A refused operation raises a `DomainError` whose translated message names the rule, the
product and the values involved; nothing is saved then.

Executing a notice writes national price rows effective on its date and sets the products'
prices; cancelling it is the exact inverse (its rows voided, rows it replaced revived, the
old prices restored) and is refused once something later has built on it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.models import Product
from apps.core.exceptions import DomainError, InvalidStateError, PermissionDeniedError
from apps.core.models import today
from apps.core.numbering import next_number
from apps.customers.models import Customer

from .models import (
    CrossDiscount,
    NationalPrice,
    NoticeStatus,
    PriceChangeLine,
    PriceChangeNotice,
)

MAX_LINES = 500
PRICE_LABELS = {
    "purchase_price": gettext_lazy("purchase price"),
    "national_wholesale_price": gettext_lazy("national wholesale price"),
    "retail_price": gettext_lazy("retail price"),
}

# Set while a notice writes product prices, so the product signal does not record them a
# second time as a direct edit.
_notice_writing = contextvars.ContextVar("pricing_notice_writing", default=False)


@contextlib.contextmanager
def _notice_writes():
    token = _notice_writing.set(True)
    try:
        yield
    finally:
        _notice_writing.reset(token)


@dataclass
class NoticeLineInput:
    product: Product
    new_purchase_price: Decimal | None = None
    new_wholesale_price: Decimal | None = None  # the national wholesale price
    new_retail_price: Decimal | None = None


# --- helpers ------------------------------------------------------------------------------


def _full_clean(instance, *, exclude=None) -> None:
    """full_clean() with its errors turned into a DomainError (field kept when single)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            messages = [m for errs in exc.message_dict.values() for m in errs]
            fields = list(exc.message_dict)
            field = fields[0] if len(fields) == 1 and fields[0] != "__all__" else None
            raise DomainError(messages, field=field) from exc
        raise DomainError(exc.messages) from exc


def _require(user, permission: str, message: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDeniedError(message, code=permission)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _label(product_field: str) -> str:
    return str(PRICE_LABELS[product_field])


def _lock_notice(notice: PriceChangeNotice) -> PriceChangeNotice:
    return PriceChangeNotice.objects.select_for_update().get(pk=notice.pk)


def _lock_products(pks) -> dict[int, Product]:
    """Product rows locked in pk order (the project lock order)."""
    pks = sorted({pk for pk in pks if pk is not None})
    return {
        p.pk: p
        for p in Product.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=pks)
        .order_by("pk")
    }


def _not_draft(notice: PriceChangeNotice, verb: str) -> InvalidStateError:
    return InvalidStateError(
        _("Notice %(number)s is %(status)s; only a draft can be %(verb)s.")
        % {"number": notice.number, "status": notice.get_status_display(), "verb": verb}
    )


def _check_header(*, document_ref: str, effective_date) -> str:
    document_ref = (document_ref or "").strip()
    if not document_ref:
        raise DomainError(
            _("Enter the number of the execution document (执行文件号)."), field="document_ref"
        )
    if not isinstance(effective_date, datetime.date) or isinstance(
        effective_date, datetime.datetime
    ):
        raise DomainError(_("Enter the effective date."), field="effective_date")
    return document_ref


def _build_lines(notice: PriceChangeNotice, lines: list[NoticeLineInput]) -> None:
    """Validate and save the notice's lines, capturing each product's current prices."""
    lines = list(lines or [])
    if not lines:
        raise DomainError(_("A notice needs at least one product line."), field="lines")
    if len(lines) > MAX_LINES:
        raise DomainError(
            _("A notice has at most %(max)d lines; split it.") % {"max": MAX_LINES},
            field="lines",
        )
    products = _lock_products(getattr(line.product, "pk", None) for line in lines)
    seen: set[int] = set()
    built = []
    for number, line in enumerate(lines, 1):
        product = products.get(getattr(line.product, "pk", None))
        if product is None:
            raise DomainError(_("Line %(n)d: choose a product.") % {"n": number}, field="lines")
        if product.pk in seen:
            raise DomainError(
                _("Line %(n)d: %(product)s is already on another line of this notice.")
                % {"n": number, "product": product},
                field="lines",
            )
        seen.add(product.pk)
        row = PriceChangeLine(
            notice=notice,
            product=product,
            new_purchase_price=line.new_purchase_price,
            new_wholesale_price=line.new_wholesale_price,
            new_retail_price=line.new_retail_price,
        )
        row.capture_old_prices(product)
        try:
            _full_clean(row)
        except DomainError as error:
            raise DomainError(
                [
                    _("Line %(n)d (%(product)s): %(message)s")
                    % {"n": number, "product": product, "message": message}
                    for message in error.messages
                ],
                field="lines",
            ) from error
        if all(old == new for _field, old, new in row.changes()):
            raise DomainError(
                _("Line %(n)d (%(product)s): the new prices equal the current ones.")
                % {"n": number, "product": product},
                field="lines",
            )
        built.append(row)
    PriceChangeLine.objects.bulk_create(built)


# --- notices ------------------------------------------------------------------------------


def price_notice_create(
    *, user, document_ref: str, effective_date, lines: list[NoticeLineInput], reason: str = ""
) -> PriceChangeNotice:
    """A new draft notice; each line records the product's prices as its old prices."""
    _require(user, "pricing.add_pricechangenotice", _("You may not prepare price-change notices."))
    document_ref = _check_header(document_ref=document_ref, effective_date=effective_date)
    with transaction.atomic():
        notice = PriceChangeNotice(
            number=next_number("PCN"),
            document_ref=document_ref,
            effective_date=effective_date,
            reason=(reason or "").strip(),
            status=NoticeStatus.DRAFT,
            created_by=user,
        )
        _full_clean(notice)
        notice.save()
        _build_lines(notice, lines)
    return notice


def price_notice_update(
    *,
    notice: PriceChangeNotice,
    user,
    document_ref: str,
    effective_date,
    lines: list[NoticeLineInput],
    reason: str = "",
) -> PriceChangeNotice:
    """Change a draft: header and the complete list of lines (replacing the old ones, whose
    old prices are captured again from the products)."""
    _require(
        user, "pricing.change_pricechangenotice", _("You may not change price-change notices.")
    )
    document_ref = _check_header(document_ref=document_ref, effective_date=effective_date)
    with transaction.atomic():
        locked = _lock_notice(notice)
        if locked.status != NoticeStatus.DRAFT:
            raise _not_draft(locked, _("changed"))
        locked.document_ref = document_ref
        locked.effective_date = effective_date
        locked.reason = (reason or "").strip()
        _full_clean(locked)
        locked.save()
        locked.lines.all().delete()
        _build_lines(locked, lines)
    return locked


def price_notice_refresh(*, notice: PriceChangeNotice, user) -> PriceChangeNotice:
    """Capture the products' current prices again as the old prices of a draft's lines."""
    _require(
        user, "pricing.change_pricechangenotice", _("You may not change price-change notices.")
    )
    with transaction.atomic():
        locked = _lock_notice(notice)
        if locked.status != NoticeStatus.DRAFT:
            raise _not_draft(locked, _("changed"))
        lines = list(locked.lines.order_by("product_id"))
        products = _lock_products(line.product_id for line in lines)
        for line in lines:
            line.capture_old_prices(products[line.product_id])
            line.save()
        locked.save(update_fields=["updated_at"])
    return locked


def _stale_line_messages(lines, products) -> list[str]:
    """A line whose product's price changed since it was captured cannot be executed."""
    messages = []
    for line in lines:
        product = products[line.product_id]
        for product_field, old, _new in line.changes():
            current = getattr(product, product_field)
            if current != old:
                messages.append(
                    _(
                        "%(product)s: the %(price)s is now %(current)s, but the notice was "
                        "prepared when it was %(old)s. Refresh the old prices, check the new "
                        "ones and execute again."
                    )
                    % {
                        "product": product,
                        "price": _label(product_field),
                        "current": _money(current),
                        "old": _money(old),
                    }
                )
    return messages


def _later_price_messages(notice, lines) -> list[str]:
    """A notice cannot take effect before a national price already recorded after its date:
    that later price would stay in force and the product would disagree with it."""
    product_ids = [line.product_id for line in lines if line.new_wholesale_price is not None]
    later = (
        NationalPrice.objects.filter(
            product_id__in=product_ids, voided=False, effective_from__gt=notice.effective_date
        )
        .select_related("product")
        .order_by("product_id", "effective_from")
    )
    messages, seen = [], set()
    for row in later:
        if row.product_id in seen:
            continue
        seen.add(row.product_id)
        messages.append(
            _(
                "%(product)s has a national price effective on %(later)s, after this notice's "
                "date %(date)s; use an effective date on or after %(later)s."
            )
            % {
                "product": row.product,
                "later": row.effective_from.isoformat(),
                "date": notice.effective_date.isoformat(),
            }
        )
    return messages


def _write_national_price(*, product, price, effective_from, notice=None, user=None) -> None:
    """A new row in force from `effective_from`; a row already starting that day is voided
    (and remembered as replaced by `notice`, so cancelling the notice revives it)."""
    same_day = NationalPrice.objects.select_for_update().filter(
        product=product, effective_from=effective_from, voided=False
    )
    for replaced in same_day:  # saved one by one, so their history records the change
        replaced.voided = True
        replaced.superseded_by = notice
        replaced.save(update_fields=["voided", "superseded_by"])
    row = NationalPrice(
        product=product,
        price=price,
        effective_from=effective_from,
        notice=notice,
        created_by=user,
    )
    _full_clean(row)
    row.save()


def _baseline_date(product) -> datetime.date:
    return timezone.localdate(product.created_at) if product.created_at else today()


def price_notice_execute(*, notice: PriceChangeNotice, user) -> PriceChangeNotice:
    """Apply a draft notice: national price rows effective on its date and the products'
    purchase, national wholesale and retail prices set to the new values.

    The old prices of the lines are read again from the locked products: if one differs
    from the value captured on the draft, execution is refused (so that cancelling restores
    exactly what the notice replaced); `price_notice_refresh` captures them anew."""
    _require(
        user,
        "pricing.execute_pricechangenotice",
        _("You may not execute price-change notices; a manager does."),
    )
    with transaction.atomic():
        notice = _lock_notice(notice)
        if notice.status != NoticeStatus.DRAFT:
            raise _not_draft(notice, _("executed"))
        on = today()
        if notice.effective_date > on:
            raise InvalidStateError(
                _(
                    "Notice %(number)s takes effect on %(date)s; it can be executed on or "
                    "after that day, not before."
                )
                % {"number": notice.number, "date": notice.effective_date.isoformat()}
            )
        lines = list(notice.lines.order_by("product_id"))
        if not lines:
            raise InvalidStateError(
                _("Notice %(number)s has no lines.") % {"number": notice.number}
            )
        products = _lock_products(line.product_id for line in lines)
        problems = _stale_line_messages(lines, products) + _later_price_messages(notice, lines)
        if problems:
            raise DomainError(problems, code="notice_not_executable")
        with _notice_writes():
            for line in lines:
                product = products[line.product_id]
                if line.new_wholesale_price is not None:
                    _record_notice_price(notice, line, product, user)
                for product_field, _old, new in line.changes():
                    setattr(product, product_field, new)
                _save_product(product)
        notice.status = NoticeStatus.EXECUTED
        notice.executed_by = user
        notice.executed_at = timezone.now()
        _full_clean(notice)
        notice.save()
    return notice


def _record_notice_price(notice, line, product, user) -> None:
    has_rows = NationalPrice.objects.filter(product=product, voided=False).exists()
    baseline = _baseline_date(product)
    if not has_rows and baseline < notice.effective_date:
        # A product without any history yet: keep its old price for the days before the
        # notice (written by the notice, so cancelling removes it with the rest).
        _write_national_price(
            product=product,
            price=line.old_wholesale_price,
            effective_from=baseline,
            notice=notice,
            user=user,
        )
    _write_national_price(
        product=product,
        price=line.new_wholesale_price,
        effective_from=notice.effective_date,
        notice=notice,
        user=user,
    )


def _save_product(product: Product) -> None:
    """Validate and save the three prices of a product (its other fields are untouched)."""
    fields = [product_field for _suffix, product_field in PriceChangeLine.PRICES]
    try:
        product.full_clean()
    except ValidationError as exc:
        raise DomainError(
            [
                _("%(product)s: %(message)s") % {"product": product, "message": message}
                for message in exc.messages
            ]
        ) from exc
    product.save(update_fields=[*fields, "updated_at"])


def _later_notice_messages(notice, lines) -> list[str]:
    later = (
        PriceChangeLine.objects.filter(
            product_id__in=[line.product_id for line in lines],
            notice__status=NoticeStatus.EXECUTED,
            notice__executed_at__gt=notice.executed_at,
        )
        .exclude(notice=notice)
        .select_related("notice", "product")
        .order_by("notice__executed_at", "product_id")
    )
    return [
        _(
            "Notice %(later)s, executed after this one, also changed %(product)s; cancel "
            "%(later)s first."
        )
        % {"later": row.notice.number, "product": row.product}
        for row in later
    ]


def _changed_since_messages(notice, lines, products) -> list[str]:
    """Prices changed on the product itself after the notice: cancelling would undo them."""
    messages = []
    for line in lines:
        product = products[line.product_id]
        for product_field, _old, new in line.changes():
            current = getattr(product, product_field)
            if current != new:
                messages.append(
                    _(
                        "%(product)s: the %(price)s is now %(current)s, not the %(new)s this "
                        "notice set; it was changed since, so the notice cannot be undone."
                    )
                    % {
                        "product": product,
                        "price": _label(product_field),
                        "current": _money(current),
                        "new": _money(new),
                    }
                )
    own_voided = (
        NationalPrice.objects.filter(notice=notice, voided=True)
        .select_related("product")
        .order_by("product_id")
    )
    later_direct = (
        NationalPrice.objects.filter(
            product_id__in=[line.product_id for line in lines],
            voided=False,
            created_at__gt=notice.executed_at,
        )
        .exclude(notice=notice)
        .select_related("product")
        .order_by("product_id", "effective_from")
    )
    for row in [*own_voided, *later_direct]:
        messages.append(
            _(
                "%(product)s: a national price was recorded after this notice (%(price)s from "
                "%(date)s); the notice cannot be undone."
            )
            % {
                "product": row.product,
                "price": _money(row.price),
                "date": row.effective_from.isoformat(),
            }
        )
    return messages


def price_notice_cancel(*, notice: PriceChangeNotice, user, reason: str) -> PriceChangeNotice:
    """Cancel a notice. A draft is simply cancelled. An executed notice is undone exactly:
    the national price rows it wrote are voided, rows it replaced are in force again and the
    products get their old prices back; refused once a later notice or a direct price
    change built on it."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling."), field="reason")
    with transaction.atomic():
        notice = _lock_notice(notice)
        if notice.status == NoticeStatus.CANCELLED:
            raise InvalidStateError(
                _("Notice %(number)s is already cancelled.") % {"number": notice.number}
            )
        if notice.status == NoticeStatus.DRAFT:
            if not (
                user.has_perm("pricing.cancel_pricechangenotice")
                or user.has_perm("pricing.change_pricechangenotice")
            ):
                raise PermissionDeniedError(
                    _("You may not cancel price-change notices."),
                    code="cancel_pricechangenotice",
                )
        else:
            _require(
                user,
                "pricing.cancel_pricechangenotice",
                _("You may not cancel an executed price-change notice; a manager does."),
            )
            _undo(notice)
        notice.status = NoticeStatus.CANCELLED
        notice.cancelled_by = user
        notice.cancelled_at = timezone.now()
        notice.cancel_reason = reason[:300]
        _full_clean(notice)
        notice.save()
    return notice


def _undo(notice: PriceChangeNotice) -> None:
    lines = list(notice.lines.order_by("product_id"))
    products = _lock_products(line.product_id for line in lines)
    problems = _later_notice_messages(notice, lines) or _changed_since_messages(
        notice, lines, products
    )
    if problems:
        raise DomainError(problems, code="notice_not_cancellable")
    with _notice_writes():
        # Void first: a revived row starts on the same day as one of ours.
        for row in NationalPrice.objects.select_for_update().filter(notice=notice, voided=False):
            row.voided = True
            row.save(update_fields=["voided"])
        for row in NationalPrice.objects.select_for_update().filter(superseded_by=notice):
            row.voided = False
            row.superseded_by = None
            row.save(update_fields=["voided", "superseded_by"])
        for line in lines:
            product = products[line.product_id]
            for product_field, old, _new in line.changes():
                setattr(product, product_field, old)
            _save_product(product)


# --- direct edits of the product ----------------------------------------------------------


def national_price_record_direct(*, product: Product, created: bool = False, user=None) -> None:
    """Keep the history complete when a product's national price is entered on the product
    itself (catalog form, admin, import): a row effective today when the price differs from
    the one in force. Called by the product's post_save signal; notices write their own rows.
    """
    if _notice_writing.get() or product.national_wholesale_price is None:
        return
    on = today()
    with transaction.atomic():
        in_force = (
            NationalPrice.objects.filter(product=product, voided=False, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
        )
        if in_force is not None and in_force.price == product.national_wholesale_price:
            return
        if in_force is None and not created:
            _record_previous_price(product, on, user)
        _write_national_price(
            product=product,
            price=product.national_wholesale_price,
            effective_from=on,
            user=user,
        )


def _record_previous_price(product: Product, on: datetime.date, user) -> None:
    """A product saved before it had any history: its price before this save (from its
    change history) holds from its creation until today."""
    if NationalPrice.objects.filter(product=product, voided=False).exists():
        return
    start = _baseline_date(product)
    if start >= on:
        return
    # The newest historical record is this save's; the one before holds the old price.
    previous = (
        product.history.order_by("-history_date", "-history_id")
        .values_list("national_wholesale_price", flat=True)[1:2]
        .first()
    )
    if previous is None or previous == product.national_wholesale_price:
        previous = product.national_wholesale_price
    _write_national_price(product=product, price=previous, effective_from=start, user=user)


# --- cross discounts ----------------------------------------------------------------------


def _lock_discount_parties(discount: CrossDiscount) -> None:
    """Lock order: the customer row, then the product row."""
    if discount.customer_id:
        Customer.objects.select_for_update().only("pk").filter(pk=discount.customer_id).first()
    if discount.product_id:
        Product.objects.select_for_update().only("pk").filter(pk=discount.product_id).first()


def _save_discount(discount: CrossDiscount) -> CrossDiscount:
    _full_clean(discount)
    try:
        with transaction.atomic():
            discount.save()
    except IntegrityError as exc:
        # Another user saved the same combination at the same moment.
        raise DomainError(
            _(
                "A discount for this combination already exists; edit that row "
                "(reactivate it if it is inactive)."
            )
        ) from exc
    return discount


def cross_discount_create(*, user, instance: CrossDiscount, form=None) -> CrossDiscount:
    """A new row of the cross discount matrix."""
    _require(user, "pricing.add_crossdiscount", _("You may not add cross discounts."))
    if instance.pk is not None:
        raise ValueError("cross_discount_create() expects an unsaved discount")
    with transaction.atomic():
        _lock_discount_parties(instance)
        return _save_discount(instance)


def cross_discount_update(*, user, instance: CrossDiscount, form=None) -> CrossDiscount:
    """Save changes to a row of the matrix (rate, floor, note, active, its parties)."""
    _require(user, "pricing.change_crossdiscount", _("You may not change cross discounts."))
    if instance.pk is None:
        raise ValueError("cross_discount_update() expects a saved discount")
    with transaction.atomic():
        _lock_discount_parties(instance)
        CrossDiscount.objects.select_for_update().only("pk").get(pk=instance.pk)
        return _save_discount(instance)


def cross_discount_save(*, user, instance: CrossDiscount, form=None) -> CrossDiscount:
    """Create or update, as the importer needs."""
    if instance.pk is None:
        return cross_discount_create(user=user, instance=instance)
    return cross_discount_update(user=user, instance=instance)


def cross_discount_deactivate(*, user, discount: CrossDiscount) -> CrossDiscount:
    """Switch a row off (rows are kept for their history, never deleted)."""
    _require(user, "pricing.change_crossdiscount", _("You may not change cross discounts."))
    with transaction.atomic():
        locked = CrossDiscount.objects.select_for_update().get(pk=discount.pk)
        if not locked.is_active:
            raise InvalidStateError(_("This discount is already inactive."))
        locked.is_active = False
        _full_clean(locked)
        locked.save(update_fields=["is_active", "updated_at"])
    return locked
