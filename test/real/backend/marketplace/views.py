"""The authorized REST endpoint the http check probes."""
from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

ORDERS = [
    {"id": 1042, "status": "delivered", "total": "129.00", "currency": "IRT", "items": 3},
    {"id": 1057, "status": "shipped", "total": "48.50", "currency": "IRT", "items": 1},
]


class BuyerOrders(APIView):
    """GET /api/auth/buyer/orders/: the buyer's orders, for authenticated users only."""

    permission_classes = [IsAuthenticated] + [import_string(p) for p in settings.ORDERS_EXTRA_PERMISSIONS]

    def get(self, request):
        return Response(ORDERS)
