"""HTTP routes. /ws/chat/ is deliberately absent: it exists on the WebSocket router only (asgi.py)."""
from django.urls import path

from .views import BuyerOrders

urlpatterns = [path("api/auth/buyer/orders/", BuyerOrders.as_view())]
