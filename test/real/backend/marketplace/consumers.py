"""
The chat WebSocket: token authentication from the query string (?token=<DRF authtoken key>), the
way browser clients authenticate a WebSocket (they cannot set an Authorization header).
"""
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def user_for_token(key):
    from rest_framework.authtoken.models import Token  # needs the app registry: import late

    try:
        return Token.objects.select_related("user").get(key=key).user
    except Token.DoesNotExist:
        return AnonymousUser()


class QueryTokenAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from ?token=…; an absent or unknown token leaves AnonymousUser."""

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token", [""])[0]
        scope = dict(scope, user=await user_for_token(token) if token else AnonymousUser())
        return await super().__call__(scope, receive, send)


class ChatConsumer(AsyncWebsocketConsumer):
    """Accepts authenticated users and echoes their messages."""

    async def connect(self):
        if self.scope["user"].is_authenticated:
            await self.accept()
        elif settings.CHAT_AUTH_FAILURE == "close4003":
            await self.accept()
            await self.close(code=4003)
        else:
            await self.close()  # before accept(): daphne answers the upgrade with HTTP 403

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)
