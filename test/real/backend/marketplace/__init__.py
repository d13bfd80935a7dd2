"""The test backend's Django project: settings, URLs, the ASGI application, the orders view and the chat consumer."""
