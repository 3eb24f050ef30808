"""odaudit: audit the quality of government open data, first of all on data.gov.tw."""

__version__ = "0.1.0"

#: Written into every snapshot manifest; bump when the on-disk layout changes.
SNAPSHOT_FORMAT = "odaudit-snapshot"
SNAPSHOT_FORMAT_VERSION = 1
#: Snapshot format versions this release can read.
READABLE_SNAPSHOT_VERSIONS = (1,)
