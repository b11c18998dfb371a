"""民生保障 pages, mounted under livelihood/."""

from django.urls import path

from . import relief_views, request_views, stock_views, supply_views, views, voucher_views

app_name = "livelihood"

urlpatterns = [
    path("", views.home, name="home"),
    path("community/<int:pk>/", views.community, name="community"),
    path("community/<int:pk>/from-registry/", views.ledger_from_registry, name="ledger_from_registry"),
    path("community/<int:pk>/entry/", views.entry_create, name="entry_create"),
    path("community/<int:pk>/group/", views.group_create, name="group_create"),
    path("entry/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entry/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entry/<int:pk>/visit/", views.visit_create, name="visit_create"),
    path("entry/<int:pk>/request/", views.request_create, name="request_create"),
    path("group/<int:pk>/", views.group_detail, name="group_detail"),
    path("group/<int:pk>/member/", views.member_create, name="member_create"),
    path("group/<int:pk>/member/deployed/", views.member_deployed_create, name="member_deployed_create"),
    path("group/<int:pk>/pair/", views.pair_create, name="pair_create"),
    path("requests/", request_views.request_list, name="requests"),
    path("request/<int:pk>/", request_views.request_detail, name="request_detail"),
    path("request/<int:pk>/deliver/", request_views.request_deliver_view, name="request_deliver"),
    path("request/<int:pk>/confirm/", request_views.request_confirm_view, name="request_confirm"),
    path("request/<int:pk>/cancel-delivery/", request_views.delivery_cancel_view, name="delivery_cancel"),
    path("request/<int:pk>/cancel/", request_views.request_cancel_view, name="request_cancel"),
    path("request/<int:pk>/reassign/", request_views.request_reassign_view, name="request_reassign"),
    path("deliveries/", request_views.deliveries, name="deliveries"),
    path("supply-requests/", supply_views.supply_requests, name="supply_requests"),
    path("supply-requests/new/", supply_views.supply_request_create, name="supply_request_create"),
    path("supply-requests/<int:pk>/", supply_views.supply_request_detail, name="supply_request_detail"),
    path("supply-requests/<int:pk>/decide/", supply_views.supply_request_decide_view, name="supply_request_decide"),
    path("supply-requests/<int:pk>/cancel/", supply_views.supply_request_cancel_view, name="supply_request_cancel"),
    path("vouchers/", voucher_views.programmes, name="programmes"),
    path("vouchers/<int:pk>/", voucher_views.programme_detail, name="programme_detail"),
    path("vouchers/<int:pk>/run/", voucher_views.programme_run, name="programme_run"),
    path("vouchers/<int:pk>/issue/", voucher_views.voucher_issue_view, name="voucher_issue"),
    path("relief/", relief_views.relief_page, name="relief"),
    path("relief/disburse/", relief_views.relief_create, name="relief_create"),
    path("relief/budget/", relief_views.budget_create, name="budget_create"),
    path("supplies/", stock_views.warehouses, name="warehouses"),
    path("supplies/<int:pk>/", stock_views.warehouse_detail, name="warehouse_detail"),
    path("supplies/<int:pk>/move/", stock_views.warehouse_move, name="warehouse_move"),
    path("voucher/<int:pk>/redeem/", voucher_views.voucher_redeem_view, name="voucher_redeem"),
]
