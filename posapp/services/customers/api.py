"""The customers system as one object for the edges (``backend.customers``).

Every method is a use case declared with :func:`~posapp.services.platform.facade.writes` or
:func:`~posapp.services.platform.facade.reads`: its signature and docstring are the use case's.
"""

from __future__ import annotations

from posapp.services.customers import export, manage, queries
from posapp.services.platform.facade import Facade, reads, writes


class CustomersApi(Facade):
    """Customer records, their search, purchase history, export and erasure."""

    search = reads(queries.search_customers)
    get = reads(manage.get_customer)
    history = reads(queries.purchase_history)
    create = writes(manage.create_customer)
    edit = writes(manage.edit_customer)
    erase = writes(manage.erase_customer)
    export = writes(export.export_customer)
