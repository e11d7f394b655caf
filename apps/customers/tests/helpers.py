"""Small helpers shared by the customers tests."""

from decimal import Decimal

from apps.customers.models import Customer


def customer_post_data(customer: Customer | None = None, **overrides) -> dict:
    """The POST body of the customer form, from an existing customer or a new one."""
    data = {
        "code": "H0001",
        "name": "上海市东方医院",
        "customer_type": "hospital",
        "customer_class": "",
        "unified_social_credit_code": "123100004250107128",
        "address": "上海市浦东新区即墨路150号",
        "delivery_address": "",
        "contact_person": "李静",
        "phone": "021-38804518",
        "email": "",
        "credit_limit": "0",
        "payment_terms_days": "90",
        "min_shelf_life_days": "",
        "is_active": "on",
        "note": "",
    }
    if customer is not None:
        data.update(
            code=customer.code,
            name=customer.name,
            customer_type=customer.customer_type,
            customer_class=customer.customer_class_id or "",
            unified_social_credit_code=customer.unified_social_credit_code,
            address=customer.address,
            contact_person=customer.contact_person,
            phone=customer.phone,
            credit_limit=str(customer.credit_limit),
            payment_terms_days=str(customer.payment_terms_days),
            min_shelf_life_days=customer.min_shelf_life_days or "",
        )
        if not customer.is_active:
            data.pop("is_active")
    data.update({k: (str(v) if isinstance(v, Decimal | int) else v) for k, v in overrides.items()})
    return data
