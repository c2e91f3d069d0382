"""The coupon system as one object for the Coupons tab (``backend.coupons``).

Each method is one service call in a fresh unit of work from the :class:`ServiceContext`,
declared with :func:`~posapp.services.platform.facade.writes` or
:func:`~posapp.services.platform.facade.reads` (its signature and docstring are the use case's);
DTOs in, DTOs out.
"""

from __future__ import annotations

from posapp.services.coupons import campaigns, exports, generation, queries, report_data
from posapp.services.coupons import final_report as final
from posapp.services.platform.facade import Facade, in_unit_of_work, reads, writes
from posapp.services.platform.zone import shop_zone


class CouponsApi(Facade):
    """Coupon use cases over one context; every call but :meth:`zone` names the acting user.

    :meth:`zone` is the shop's time zone, to show and enter local times.

    The final report's two calls also take None for the services themselves (the background
    runner writes the report of a campaign that ended).
    """

    zone = reads(in_unit_of_work(shop_zone))
    list_campaigns = reads(queries.list_campaigns)
    get_campaign = reads(campaigns.get_campaign)
    create_campaign = writes(campaigns.create_campaign)
    update_campaign = writes(campaigns.update_campaign)
    set_campaign_active = writes(campaigns.set_campaign_active)
    set_code_active = writes(campaigns.set_code_active)
    generate_codes = writes(generation.generate_codes)
    code_ids = reads(queries.code_ids)
    codes_page = reads(queries.codes_page)
    redemptions_page = reads(queries.redemptions_page)
    redemption_cashiers = reads(queries.redemption_cashiers)
    export_codes_csv = reads(exports.export_codes_csv)
    code_sheet = reads(exports.code_sheet)
    effectiveness_report = reads(report_data.effectiveness_report)
    final_report_file = reads(final.final_report_file, trusted=True)
    final_report = reads(final.final_report, trusted=True)
    category_choices = reads(exports.category_choices)
    products_by_sku = reads(exports.products_by_sku)
    product_labels = reads(exports.product_labels)
