"""A small API v2 server on 127.0.0.1 for tests: the real HTTP path, and faults on demand.

It speaks the shapes tweepy reads (user lookup, user timeline with since_id/until_id and
next_token, post lookup with errors for deleted and hidden posts, media files, post creation)
and, when told, answers the next requests with 400, 429 (``429-bare``: without its reset
header), 500, 503, a dropped connection, a
truncated body or an empty page, or makes a post and drops the connection before answering
("lost-reply"); ``reshape`` turns every timeline page into any other body.
Every fault served is recorded with the path it answered, so a test can check it really fired.

Media keys follow Twitter's prefixes: ``3_`` is a photo, ``7_`` a video (its MP4 served as
``media/<key>.mp4``, its preview image as ``media/<key>-preview.jpg``). A medium is served with
the content type of its name (``media_types`` overrides it) and its length, or without a length,
chunk by chunk, when its name is in ``streamed``; ``media_urls`` puts another URL in a post.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-bearer-token-0123456789"


@dataclass
class Account:
    id: str
    username: str
    posts: list[dict] = field(default_factory=list)  # v2 post objects


@dataclass
class FakeAPI:
    accounts: dict[str, Account] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)
    media_types: dict[str, str] = field(default_factory=dict)  # file name -> Content-Type
    media_urls: dict[str, str] = field(default_factory=dict)  # media key -> URL the API gives
    streamed: set[str] = field(default_factory=set)  # file names sent chunked, with no length
    faults: list[str] = field(default_factory=list)  # consumed one per timeline/media/post request
    served: list[tuple[str, str]] = field(default_factory=list)  # (path, fault) as answered
    delay: float = 0.0  # seconds before each timeline page
    gate: threading.Event | None = None  # timeline pages wait until it is set
    waiting: int = 0  # timeline requests that reached the gate
    created: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)  # lookup: "Not Found Error"
    hidden: set[str] = field(default_factory=set)  # lookup: "Authorization Error" (protected)
    omitted: set[str] = field(default_factory=set)  # lookup: left out without any error
    malformed: dict[str, list[str]] = field(default_factory=dict)  # post id -> fields not sent
    # Applied to each timeline page's body before it is sent; bytes are sent as they are.
    reshape: Callable[[dict], object] | None = None
    # Every response's Date header: a fixed clock, so that stores fetched apart compare by byte.
    date: str = "Mon, 01 Jan 2024 00:00:00 GMT"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_account(self, username: str, user_id: str) -> Account:
        self.accounts[username] = Account(user_id, username)
        return self.accounts[username]

    def post(self, username: str, post_id: int, text: str, **extra) -> dict:
        account = self.accounts[username]
        post = {
            "id": str(post_id),
            "text": text,
            "author_id": account.id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1.6e9 + post_id)),
            "conversation_id": str(post_id),
            "edit_history_tweet_ids": [str(post_id)],
            "lang": "en",
            **extra,
        }
        account.posts.append(post)
        return post

    def next_fault(self, path: str) -> str | None:
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults.pop(0)
            self.served.append((path, fault))
            return fault


def make_handler(api: FakeAPI, base: str):
    def media_object(key: str) -> dict:
        if key.startswith("7_"):
            return {
                "media_key": key,
                "type": "video",
                "preview_image_url": f"{base}/media/{key}-preview.jpg",
                "variants": [
                    {
                        "content_type": "video/mp4",
                        "bit_rate": 832000,
                        "url": api.media_urls.get(key, f"{base}/media/{key}.mp4"),
                    }
                ],
            }
        return {
            "media_key": key,
            "type": "photo",
            "url": api.media_urls.get(key, f"{base}/media/{key}.jpg"),
            "alt_text": key,
        }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return api.date

        def send_json(self, status: int, body: object, headers: dict | None = None) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def drop(self) -> None:
            self.close_connection = True
            self.connection.shutdown(2)

        def fault(self) -> bool:
            """Apply the next injected fault; True when the request was answered by it."""
            fault = api.next_fault(urlsplit(self.path).path)
            if fault is None:
                return False
            if fault == "429":
                reset = str(int(time.time()) + 2)
                self.send_json(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": reset})
            elif fault == "429-bare":  # as a proxy in front of the API may answer
                self.send_json(429, {"title": "Too Many Requests"})
            elif fault == "400":
                self.send_json(
                    400,
                    {
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    },
                )
            elif fault in ("500", "503"):
                self.send_json(int(fault), {"title": "Server Error"})
            elif fault == "drop":
                self.drop()
            elif fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "40")
                self.end_headers()
                self.wfile.write(b'{"data": [{"id": "1", "te')
                self.close_connection = True
            elif fault == "empty":
                self.send_json(200, {"meta": {"result_count": 0}})
            elif fault == "lost-reply":
                self.create(reply=False)
                self.drop()
            return True

        def authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            if auth == f"Bearer {TOKEN}" or auth.startswith("OAuth "):
                return True
            self.send_json(401, {"title": "Unauthorized", "status": 401})
            return False

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = url.path.strip("/").split("/")
            api.requests.append(url.path)
            if parts[0] == "media":
                if self.fault():
                    return
                self.medium(parts[1])
                return
            if not self.authorized():
                return
            if parts[:3] == ["2", "users", "by"]:  # handles ignore case, as on Twitter
                names = {name.lower(): a for name, a in api.accounts.items()}
                account = names.get(parts[4].lower())
                if account is None:
                    self.send_json(200, {"errors": [{"title": "Not Found Error"}]})
                else:
                    self.send_json(
                        200,
                        {
                            "data": {
                                "id": account.id,
                                "username": account.username,
                                "name": account.username.title(),
                            }
                        },
                    )
            elif parts[:2] == ["2", "users"] and parts[3] == "tweets":
                if api.delay:
                    time.sleep(api.delay)
                if api.gate is not None:
                    with api.lock:
                        api.waiting += 1
                    api.gate.wait()
                if self.fault():
                    return
                self.timeline(parts[2], query)
            elif parts == ["2", "tweets"]:
                self.lookup(query.get("ids", "").split(","))
            else:
                self.send_json(404, {"title": "Not Found"})

        def medium(self, name: str) -> None:
            data = api.media.get(name)
            if data is None:
                self.send_json(404, {"title": "Not Found"})
                return
            self.send_response(200)
            kind = "video/mp4" if name.endswith(".mp4") else "image/jpeg"
            self.send_header("Content-Type", api.media_types.get(name, kind))
            if name not in api.streamed:
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(data), 65536):
                chunk = data[start : start + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

        def timeline(self, user_id: str, query: dict) -> None:
            account = next(a for a in api.accounts.values() if a.id == user_id)
            since = int(query.get("since_id", 0))
            until = int(query.get("until_id", 10**30))
            size = int(query.get("max_results", 100))
            live = [p for p in account.posts if p["id"] not in api.deleted]
            newest_first = sorted(live, key=lambda p: int(p["id"]), reverse=True)
            window = [p for p in newest_first if since < int(p["id"]) < until]
            page, rest = window[:size], window[size:]
            keys = [k for p in page for k in (p.get("attachments") or {}).get("media_keys", [])]
            media = [media_object(k) for k in keys]
            meta = {"result_count": len(page)}
            if page:
                meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
            if rest:
                meta["next_token"] = f"token-{page[-1]['id']}"
            body = {"meta": meta}
            if page:
                body["data"] = [
                    {k: v for k, v in p.items() if k not in api.malformed.get(p["id"], [])}
                    for p in page
                ]
                body["includes"] = {
                    "users": [
                        {
                            "id": account.id,
                            "username": account.username,
                            "name": account.username.title(),
                        }
                    ]
                }
                if media:
                    body["includes"]["media"] = media
            self.send_json(200, api.reshape(body) if api.reshape else body)

        def lookup(self, ids: list[str]) -> None:
            posts = {p["id"]: p for a in api.accounts.values() for p in a.posts}
            gone = api.deleted | api.hidden | api.omitted
            found = [posts[i] for i in ids if i in posts and i not in gone]
            errors = [
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in ids
                if i not in posts or i in api.deleted
            ]
            errors += [
                {
                    "value": i,
                    "detail": f"Sorry, you are not authorized to see the Tweet with ids: [{i}].",
                    "title": "Authorization Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
                }
                for i in ids
                if i in api.hidden
            ]
            body: dict = {}
            if found:
                body["data"] = [{"id": p["id"], "text": p["text"]} for p in found]
            if errors:
                body["errors"] = errors
            self.send_json(200, body)

        def do_POST(self) -> None:
            api.requests.append(self.path)
            if not self.authorized():
                return
            if self.fault():
                return
            self.create()

        def create(self, reply: bool = True) -> None:
            """Make a post, as Twitter does, refusing a text it has already posted."""
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if urlsplit(self.path).path != "/2/tweets":
                self.send_json(404, {"title": "Not Found"})
                return
            if any(c["text"] == body.get("text") for c in api.created):
                self.send_json(
                    403,
                    {
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                        "title": "Forbidden",
                        "status": 403,
                    },
                )
                return
            post_id = str(2_000_000_000_000_000_000 + len(api.created))
            api.created.append({"id": post_id, "text": body.get("text", "")})
            if not reply:
                return
            self.send_json(
                201,
                {
                    "data": {
                        "id": post_id,
                        "text": body.get("text", ""),
                        "edit_history_tweet_ids": [post_id],
                    }
                },
            )

    return Handler


class APIServer:
    """``with APIServer() as server:`` serves ``server.api`` at ``server.base``."""

    def __init__(self, api: FakeAPI | None = None):
        self.api = api or FakeAPI()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.httpd.RequestHandlerClass = make_handler(self.api, self.base)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> APIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
