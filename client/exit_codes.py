"""The client commands' exit codes, which a sync job's script branches on."""

OK = 0  # everything completed, no item failed
ITEMS_FAILED = 1  # an item failed, or a job ended interrupted or failed
UNUSABLE = 2  # a usage or connection error: the command could not do its work
