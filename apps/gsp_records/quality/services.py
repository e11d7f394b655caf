"""Writes of the quality records beyond create/edit/sign/correct (apps.gsp_records.services).

A re-inspection notice has one more step: the head of quality issues the keeper's
notice, which stops the lot from sale through the inventory service (or, for a lot a
stop-sale notice already stopped, takes over that stop so the re-inspection can end it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import InvalidStateError, PermissionDeniedError
from apps.gsp_records.models import locked_error
from apps.inventory.models import HoldStatus, LotHold
from apps.inventory.operations import lot_stop

from .models import REINSPECTION_SOURCE, ReinspectionNotice


def reinspection_issue(*, notice: ReinspectionNotice, user) -> ReinspectionNotice:
    """Issue a draft re-inspection notice: its lot is stopped from sale until the
    quality department signs the re-inspection result. Only quality may stop a lot
    (inventory `lot_stop`), so the head of quality issues the notice the keeper wrote."""
    if user is None or not user.has_perm("gsp_quality.issue_reinspectionnotice"):
        raise PermissionDeniedError(_("You may not issue re-inspection notices."))
    with transaction.atomic():
        notice = (
            ReinspectionNotice.objects.select_for_update(of=("self",))
            .select_related("lot", "stop_sale_notice")
            .get(pk=notice.pk)
        )
        if notice.is_signed:
            raise locked_error(notice)
        if notice.is_issued:
            raise InvalidStateError(_("%(number)s was already issued.") % {"number": notice.number})
        if notice.corrects_id:
            raise InvalidStateError(
                _("A correction is not issued; the original already stopped the lot.")
            )
        stop_notice = notice.stop_sale_notice
        if stop_notice is not None:
            notice.hold = _stop_sale_hold(stop_notice, notice)
        else:
            active = (
                LotHold.objects.filter(lot=notice.lot, status=HoldStatus.ACTIVE)
                .only("number", "source_type")
                .first()
            )
            if active is not None:
                raise InvalidStateError(
                    _(
                        "Lot %(lot)s is already stopped from sale (%(hold)s); re-inspect it "
                        "through the notice that stopped it."
                    )
                    % {"lot": notice.lot, "hold": active.number},
                    field="lot",
                )
            notice.hold = lot_stop(
                lot=notice.lot,
                user=user,
                reason=f"{notice.number} {notice.problem}"[:300],
                source_type=REINSPECTION_SOURCE,
                source_id=notice.pk,
            )
        notice.issued_by = user
        notice.issued_at = timezone.now()
        notice._history_user = user
        notice.save()
    return notice


def _stop_sale_hold(stop_notice, notice) -> LotHold:
    """The active stop of a signed stop-sale notice, which this re-inspection will end."""
    if not stop_notice.is_signed or stop_notice.hold_id is None:
        raise InvalidStateError(
            _("Stop-sale notice %(number)s is not signed; the lot was never stopped.")
            % {"number": stop_notice.number},
            field="stop_sale_notice",
        )
    hold = LotHold.objects.select_for_update().get(pk=stop_notice.hold_id)
    if hold.status != HoldStatus.ACTIVE:
        raise InvalidStateError(
            _("The stop of stop-sale notice %(number)s was already ended (%(status)s).")
            % {"number": stop_notice.number, "status": hold.get_status_display()},
            field="stop_sale_notice",
        )
    taken = (
        ReinspectionNotice.objects.filter(hold=hold, signed_at__isnull=True, corrects__isnull=True)
        .exclude(pk=notice.pk)
        .first()
    )
    if taken is not None:
        raise InvalidStateError(
            _("Re-inspection notice %(number)s is already re-inspecting this lot.")
            % {"number": taken.number},
            field="stop_sale_notice",
        )
    return hold
