# Communique site settings. Every Pelican call passes `-s pelican.conf.py`.

AUTHOR = "Office of the Special Envoy"
SITENAME = "Envoy Mara Vale: the public record"
SITEURL = ""  # set to the published address, e.g. "https://archive.example.org", for feeds
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

# Accounts this site mirrors: `invoke archive` fetches each one; the store keeps them apart.
ACCOUNTS = ["envoy_vale"]
# Where the account is based: posts tagged with places elsewhere suggest a trip.
HOME_PLACES = ["Washington"]

# Suffixes that staff sign posts with, and who they are.
SIGNATURES = {"^MV": "Mara Vale", "^TS": "Tomas Sandoval (press office)"}

# Named filters so one account can serve several communities, each with a timeline and feed.
AUDIENCES = {
    "friends": {"title": "Friends and followers", "exclude": ["replies_to_others", "support"]},
    "support": {"title": "Questions answered", "include": ["support"]},
}
# Conversations that carry one of these hashtags are customer support.
SUPPORT_HASHTAGS = ["AskTheEnvoy"]
# Other people's handles on published pages: "" shows them as posted; "support" replaces them in
# support conversations, "replies" in every reply to someone else, "all" everywhere.
HIDE_OTHER_HANDLES = "support"
OTHER_HANDLE_LABEL = "a member of the public"

# Posts withheld from publication are listed in content/redactions.md (one line each: id, reason,
# date); REDACTIONS = {"<post id>": ("<reason>", "YYYY-MM-DD")} adds more here.

PATH = "content"
ARCHIVE_PATH = "content/archive"
TRIPS_PATH = "content/trips"
OUTPUT_PATH = "output"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["communique"]

# The plugin writes every archive page itself; Pelican only renders the staff's pages. The
# site's own pages live under /-/, a folder no account can be named (handles are [A-Za-z0-9_]).
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = []
PAGE_URL = "-/{slug}/"
PAGE_SAVE_AS = "-/{slug}/index.html"
DRAFT_PAGE_URL = "-/drafts/{slug}/"
DRAFT_PAGE_SAVE_AS = "-/drafts/{slug}/index.html"
THEME_STATIC_DIR = "-/theme"
DIRECT_TEMPLATES = []
TAGS_SAVE_AS = CATEGORIES_SAVE_AS = AUTHORS_SAVE_AS = ARCHIVES_SAVE_AS = ""
TAG_SAVE_AS = CATEGORY_SAVE_AS = AUTHOR_SAVE_AS = ""
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None

POSTS_PER_PAGE = 50
DELETE_OUTPUT_DIRECTORY = False
# The lists with feeds ("all", "account", "trip", "audience", "tag": hashtags have none unless
# named here) and their formats ("atom", "rss").
FEEDS = ["all", "account", "trip", "audience"]
FEED_FORMATS = ["atom", "rss"]

# `invoke syndicate` posts this feed's new items (a path under output/) and keeps its state here.
SYNDICATE_FEED = "atom.xml"
SYNDICATE_STATE = "content/syndicate.json"

# Publishing to GitHub Pages (`invoke publish`).
GITHUB_REMOTE = "origin"
GITHUB_BRANCH = "gh-pages"
# False: the branch is one commit, force-pushed, so a post withheld since is in none of its
# history. True: each publish is a commit on top of the last, and the history keeps them all.
GITHUB_KEEP_HISTORY = False
CNAME = ""  # e.g. "archive.example.org"; written to every publish when set
# Or to S3-compatible object storage, past what GitHub Pages holds: "s3://bucket/prefix" (every
# object under the prefix is the site's), with S3_ENDPOINT_URL for R2, MinIO and others
# ("https://ACCOUNT.r2.cloudflarestorage.com"). The keys come from the environment only:
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
PUBLISH_TARGET = ""
S3_ENDPOINT_URL = ""

# Who keeps this archive, named in the bag-info.txt of `invoke package` (left out when empty).
SOURCE_ORGANIZATION = ""
CONTACT_NAME = ""
CONTACT_EMAIL = ""

# The sums are signed when COMMUNIQUE_SIGNING_KEY or COMMUNIQUE_SIGNING_KEY_FILE is set in the
# environment (README: Signing the sums). With the address of an RFC 3161 timestamp authority
# here, each new SHA256SUMS is dated by it too, its token kept in TIMESTAMPS_PATH.
TIMESTAMP_URL = ""
TIMESTAMPS_PATH = "content/timestamps"
CACHE_PATH = "cache"
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}
