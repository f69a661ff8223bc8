"""One `ports:` entry in each of the forms people write (short and long syntax, quoted or not,
ranges, variables, protocols), with the host port chosen as people choose it."""

from __future__ import annotations

import random
from dataclasses import dataclass

from corpusgen.yamltext import BASE60, dq, sq

HOST_REMAP = {80: [8080, 8000, 8081, 80], 443: [8443, 443, 4443], 5432: [5433, 5432, 15432], 3306: [3307, 3306, 13306],
              6379: [6380, 16379], 27017: [27018], 3000: [3001, 3000, 8080], 8000: [8001, 8080, 80], 8080: [8081, 8090, 80, 9090],
              22: [2222, 2200, 10022, 22], 25: [25, 2525], 53: [53, 5353], 21: [21, 2121], 9000: [9001, 19000]}
POPULAR_HOST = [8080, 8000, 3000, 8081, 8888, 9000, 5000, 8443, 4000, 8090]

# Port entries
# --------------------------------------------------------------------------

# (form, weight). Weights are per short-syntax entry.
SHORT_FORMS = [
    ("container_quoted", 4.0),  # "80"
    ("container_int", 3.0),  # 80
    ("hp_cp_quoted", 27.0),  # "8080:80"
    ("hp_cp_plain", 15.0),  # 8080:80 (YAML 1.1 base-60 int when the container port is <= 59)
    ("loopback4", 14.0),  # "127.0.0.1:8080:80" (sometimes plain)
    ("loopback4_ephemeral", 2.0),  # "127.0.0.1::80"
    ("empty_ip", 1.0),  # ":8080:80"
    ("any4", 5.0),  # "0.0.0.0:80:80"
    ("loopback6_bracket", 2.0),  # "[::1]:8080:80"
    ("any6_bracket", 1.5),  # "[::]:8080:80"
    ("loopback6_bare", 0.5),  # "::1:8080:80"
    ("other_ip", 1.5),  # "192.168.1.10:8080:80", "127.0.0.2:...", "10.0.0.5:..."
    ("range_same", 2.0),  # "9000-9002:9000-9002"
    ("range_to_one", 0.5),  # "6005-6015:80"
    ("range_container", 0.3),  # "9000-9002"
    ("interp", 6.0),  # "${BIND:-127.0.0.1}:8084:80", "${PORT}:80", ...
]
SHORT_NAMES = [f for f, _ in SHORT_FORMS]
SHORT_WEIGHTS = [w for _, w in SHORT_FORMS]

INTERP_VARS = ["APP_PORT", "WEB_PORT", "HTTP_PORT", "API_PORT", "PORT", "HOST_PORT", "PUBLIC_PORT", "EXTERNAL_PORT"]
BIND_VARS = ["BIND", "BIND_ADDR", "HOST_IP", "LISTEN_ADDR", "BIND_IP", "KONG_LISTEN", "EXPOSE_IP", "PUBLISH_IP"]


@dataclass
class Entry:
    lines: list[str]  # already-rendered sequence item: first line is the '- ' item text without prefix
    form: str
    hp: int | None
    proto: str


def pick_host_port(rng: random.Random, cp: int) -> int:
    r = rng.random()
    if r < 0.55:
        return cp
    if r < 0.78:
        if cp in HOST_REMAP:
            return rng.choice(HOST_REMAP[cp])
        return min(65535, cp + rng.choice([1, 10, 100, 1000, 10000]))
    if r < 0.9:
        return rng.choice(POPULAR_HOST)
    return rng.randint(10000, 60999)


def short_entry(rng: random.Random, cp: int, proto: str, hp: int, form: str | None = None) -> Entry:
    if form is None:
        form = rng.choices(SHORT_NAMES, SHORT_WEIGHTS)[0]
    # Protocol suffix: always for UDP services, sometimes an explicit /tcp (or /udp) otherwise.
    suffix = ""
    if proto == "udp":
        suffix = "/udp"
    elif rng.random() < 0.05:
        suffix = "/tcp" if rng.random() < 0.75 else "/udp"
        proto = suffix[1:]
    quoted = rng.random() < 0.85
    text: str
    if form == "container_quoted":
        text, quoted = f"{cp}{suffix}", True
    elif form == "container_int":
        text, quoted = f"{cp}{suffix}", False
        hp = None
    elif form == "hp_cp_quoted":
        text, quoted = f"{hp}:{cp}{suffix}", True
    elif form == "hp_cp_plain":
        text, quoted = f"{hp}:{cp}{suffix}", False
        if not suffix and cp > 59 and rng.random() < 0.06:
            # Steer some plain entries into the base-60 trap with a realistic low port.
            cp = rng.choice([22, 21, 25, 53, 23, 37, 43])
            hp = rng.choice([cp, 2000 + cp, 10000 + cp, 2200 + cp])
            text = f"{hp}:{cp}"
    elif form == "loopback4":
        text = f"127.0.0.1:{hp}:{cp}{suffix}"
    elif form == "loopback4_ephemeral":
        text, quoted, hp = f"127.0.0.1::{cp}{suffix}", True, None
    elif form == "empty_ip":
        text, quoted = f":{hp}:{cp}{suffix}", True
    elif form == "any4":
        text = f"0.0.0.0:{hp}:{cp}{suffix}"
    elif form == "loopback6_bracket":
        text, quoted = f"[::1]:{hp}:{cp}{suffix}", True
    elif form == "any6_bracket":
        text, quoted = f"[::]:{hp}:{cp}{suffix}", True
    elif form == "loopback6_bare":
        text, quoted = f"::1:{hp}:{cp}{suffix}", True
    elif form == "other_ip":
        ip = rng.choice(["192.168.1.10", "10.0.0.5", "127.0.0.2", "172.17.0.1", "127.0.1.1", "100.64.0.7"])
        text = f"{ip}:{hp}:{cp}{suffix}"
    elif form == "range_same":
        n = rng.choice([2, 2, 3, 5, 10])
        lo = cp if cp > 1024 else rng.choice([9000, 7000, 21100, 49160, 8000])
        hi = lo + n
        ip = "127.0.0.1:" if rng.random() < 0.25 else ""
        text, quoted, hp = f"{ip}{lo}-{hi}:{lo}-{hi}{suffix}", True, lo
    elif form == "range_to_one":
        lo = rng.choice([6005, 8000, 9000, 30000])
        text, quoted, hp = f"{lo}-{lo + 10}:{cp}{suffix}", True, lo
    elif form == "range_container":
        lo = cp if cp > 1024 else 9000
        text, quoted, hp = f"{lo}-{lo + 2}{suffix}", True, None
    elif form == "interp":
        var = rng.choice(INTERP_VARS)
        bvar = rng.choice(BIND_VARS)
        k = rng.randrange(9)
        if k == 0:
            text = f"${{{bvar}:-127.0.0.1}}:{hp}:{cp}{suffix}"
        elif k == 1:
            text, hp = f"${{{var}}}:{cp}{suffix}", None
        elif k == 2:
            text, quoted = f"${{{bvar}:-0.0.0.0}}:{hp}:{cp}{suffix}", False
        elif k == 3:
            text, hp = f"${{{bvar}:-0.0.0.0}}:${{{var}:-{hp}}}:{cp}{suffix}", None
        elif k == 4:
            text, hp = f"127.0.0.1:${{{var}:-{hp}}}:{cp}{suffix}", None
        elif k == 5:
            text, quoted, hp = f"${{{var}:-{hp}}}:{cp}{suffix}", False, None
        elif k == 6:
            text = f"${{{bvar}}}:{hp}:{cp}{suffix}"
        elif k == 7:
            text = f"${{{bvar}:?set {bvar} to 127.0.0.1 or a LAN address}}:{hp}:{cp}{suffix}"
            quoted = True
        else:
            text, hp = f"${var}:{cp}{suffix}", None
    else:  # pragma: no cover
        raise AssertionError(form)
    if quoted:
        rendered = dq(text) if rng.random() < 0.93 else sq(text)
    else:
        rendered = text
    if not quoted and BASE60.match(text):
        form = form + "+base60"  # YAML 1.1 reads it as a sexagesimal int: 2222:22 -> 133342
    elif form == "container_int" and suffix:
        form = "container_plain"  # 80/tcp: a plain string, not an int
    return Entry([rendered], form, hp, proto)


def long_entry(rng: random.Random, cp: int, proto: str, hp: int) -> Entry:
    """Long syntax mapping: target, published (int/str/range), host_ip, protocol, mode, name, app_protocol."""
    keys: list[tuple[str, str]] = []
    order = rng.random() < 0.8  # usually target first; sometimes published first, as some real files do
    target = ("target", str(cp))
    pub: tuple[str, str] | None = None
    r = rng.random()
    if r < 0.42:
        pub = ("published", str(hp))
    elif r < 0.66:
        pub = ("published", dq(str(hp)))
    elif r < 0.73:
        pub = ("published", dq(f"{hp}-{hp + rng.choice([2, 5, 10])}"))
    elif r < 0.78:
        pub = ("published", dq(f"${{{rng.choice(INTERP_VARS)}:-{hp}}}"))
    else:
        hp = None  # type: ignore[assignment]
    if order or pub is None:
        keys.append(target)
        if pub:
            keys.append(pub)
    else:
        keys += [pub, target]
    if rng.random() < 0.45:
        ip = rng.choices(["127.0.0.1", "0.0.0.0", "::1", "::", "${BIND_IP:-127.0.0.1}", "192.168.1.10"],
                         [55, 22, 9, 4, 6, 4])[0]
        keys.append(("host_ip", dq(ip) if ":" in ip or "$" in ip or rng.random() < 0.3 else ip))
    if proto == "udp" or rng.random() < 0.4:
        keys.append(("protocol", proto))
    if rng.random() < 0.15:
        keys.append(("mode", rng.choice(["host", "ingress"])))
    if rng.random() < 0.06:
        keys.append(("name", rng.choice(["web", "http", "metrics", "admin", "grpc"])))
        if rng.random() < 0.5:
            keys.append(("app_protocol", rng.choice(["http", "https", "grpc"])))
    lines = [f"{keys[0][0]}: {keys[0][1]}"] + [f"{k}: {v}" for k, v in keys[1:]]
    return Entry(lines, "long", hp, proto)


# --------------------------------------------------------------------------
# One compose file
# --------------------------------------------------------------------------
