"""The vocabulary everything else speaks: configuration, statuses, the lifecycle, money, outages."""
