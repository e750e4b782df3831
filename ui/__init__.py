"""Support code for the pages in app_pages/: cached services, components, URL state, style and messages."""
