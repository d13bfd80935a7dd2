"""
The ASGI application daphne serves: Django for HTTP; for WebSockets Channels' origin validation
(Origin against ALLOWED_HOSTS), then the query-token middleware, then the chat consumer.
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django_asgi_app = get_asgi_application()  # sets Django up before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from .consumers import ChatConsumer, QueryTokenAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            QueryTokenAuthMiddleware(URLRouter([path("ws/chat/", ChatConsumer.as_asgi())]))
        ),
    }
)
