"""The place ids every row of 有序流动 is scoped by."""

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}
