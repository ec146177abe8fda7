"""What the data layer announces to whoever listens (the public site), so that it never imports the site.

``data_changed`` is sent after a change of published data has moved the data generation on, inside the
transaction that made the change; a receiver that queues work after the commit uses ``transaction.on_commit``.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``generation`` (the new number) and ``committed`` whenever published data changed: once at once
#: (``committed=False``, for the process that made the change) and once the change is committed.
data_changed = Signal()
