"""The audit store: append-only ticket events plus a tickets projection (SQLAlchemy 2)."""

from triagedesk.store.repository import Store, StoreUnavailable, TicketFilter, TicketPage

__all__ = ["Store", "StoreUnavailable", "TicketFilter", "TicketPage"]
