#!/usr/bin/env python3
"""Generate a seeded, deterministic, realistic corpus of Docker Compose files.

    python benchmarks/gen_corpus.py OUTDIR --files 10000 --seed 1
    python benchmarks/gen_corpus.py OUTDIR --large 2000 --seed 1
    python benchmarks/gen_corpus.py OUTDIR --files 200 --verify

Corpus mode writes ``--files`` compose files into project folders
(``OUTDIR/p00042/compose.yaml``, ``OUTDIR/p00042/deploy/docker-compose.prod.yml``,
...), plus a few non-compose files that discovery must skip (``.env``,
``README.md``, ``prometheus.yml``, ``Dockerfile``), plus two bookkeeping files at
the top: ``corpus-summary.json`` (the printed totals and the parameters) and
``corpus-manifest.tsv`` (path, services, port entries, bytes for each compose
file). Neither bookkeeping name matches the compose discovery patterns.

``--large N`` writes ONE file, ``OUTDIR/large-<N>.compose.yaml``, with N
services and exactly 5 port entries each, plus ``large-<N>.summary.json``.

Counting rules (what ``--verify`` re-checks with PyYAML's CSafeLoader):

* services: keys of the top-level ``services`` mapping, summed over files;
* port entries: for each service, the length of its effective ``ports`` list
  once aliases and ``<<`` merge keys are resolved (so an aliased list counts
  for every service that uses it, and ports inherited through a merge key
  count for each service that inherits them); ``network_mode: host`` services
  count like any other;
* bytes: file sizes on disk; "port bytes" are the bytes of the lines inside
  ``ports:`` blocks, including their comments (textual, not resolved).

Generation uses only the standard library and writes YAML text by hand, so
quoting, comments, anchors and indentation are chosen on purpose. Every
project draws from its own ``random.Random(f"{seed}-{index}")``, so a smaller
corpus is a prefix of a larger one with the same seed (up to the last,
possibly truncated project) and the output is byte-identical across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

GEN_VERSION = 1
SUMMARY_NAME = "corpus-summary.json"
MANIFEST_NAME = "corpus-manifest.tsv"

# --------------------------------------------------------------------------
# YAML scalar helpers
# --------------------------------------------------------------------------

# YAML 1.1 (PyYAML) implicit types a plain scalar could resolve to.
_YAML11_SPECIAL = re.compile(
    r"""^(?:
        ~|null|Null|NULL|
        y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|
        on|On|ON|off|Off|OFF|
        [-+]?(?:0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)|
        [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|
        [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|
        [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|
        [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|
        <<|=
    )$""",
    re.X,
)
# YAML 1.1 sexagesimal integer: an unquoted 2222:22 loads as the int 8022.
_BASE60 = re.compile(r"^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$")


def dq(s: str) -> str:
    """Double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sq(s: str) -> str:
    """Single-quoted YAML scalar."""
    return "'" + s.replace("'", "''") + "'"


def plain_ok(s: str) -> bool:
    """True if ``s`` can be written as a block-context plain scalar that loads back as the same string."""
    if not s or s != s.strip():
        return False
    if s[0] in "!&*{}[]|>'\"%@`#,?:-" or s[0] == "\t":
        return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s or "\n" in s:
        return False
    return not _YAML11_SPECIAL.match(s)


def sc(s: str, rng: random.Random | None = None, quote_p: float = 0.0) -> str:
    """A string scalar: plain if safe (and not randomly quoted), else double-quoted."""
    if plain_ok(s) and not (rng is not None and rng.random() < quote_p):
        return s
    return dq(s)


# --------------------------------------------------------------------------
# Output buffer that knows how many bytes went into ports blocks
# --------------------------------------------------------------------------


class Doc:
    def __init__(self, unit: int, seq_indent: bool):
        self.unit = unit
        self.seq_indent = seq_indent
        self.lines: list[str] = []
        self.port_chars = 0
        self.port_lines = 0

    def ind(self, depth: int) -> str:
        return " " * (self.unit * depth)

    def item_prefix(self, key_depth: int) -> str:
        """Indentation of the '- ' of a block sequence that is the value of a key at ``key_depth``."""
        return self.ind(key_depth + 1) if self.seq_indent else self.ind(key_depth)

    def add(self, text: str, ports: bool = False) -> None:
        self.lines.append(text)
        if ports:
            self.port_chars += len(text) + 1
            self.port_lines += 1

    def kv(self, depth: int, key: str, value: str | None = None, comment: str | None = None, ports: bool = False) -> None:
        line = f"{self.ind(depth)}{key}:"
        if value is not None:
            line += " " + value
        if comment:
            line += "  # " + comment
        self.add(line, ports)

    def items(self, key_depth: int, values: list[str], ports: bool = False) -> None:
        p = self.item_prefix(key_depth)
        for v in values:
            self.add(f"{p}- {v}", ports)

    def mapping(self, depth: int, pairs: list[tuple[str, str]]) -> None:
        for k, v in pairs:
            self.kv(depth, k, v)

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------
# Service archetypes
# --------------------------------------------------------------------------


@dataclass
class Arch:
    name: str  # default service name
    images: list[str]
    ports: list[tuple[int, str]]  # (container port, protocol)
    kind: str = "svc"  # svc | db | web | app | worker | monitor
    env: dict[str, str] = field(default_factory=dict)
    volumes: list[str] = field(default_factory=list)  # "name:/path" or "./x:/y:ro"
    health: list[str] | str | None = None
    command: str | list[str] | None = None
    aliases: list[str] = field(default_factory=list)  # other realistic service names
    weight: float = 1.0
    publish_p: float = 0.6  # probability the service publishes any port


ARCHES: list[Arch] = [
    Arch("db", ["postgres:16-alpine", "postgres:15", "postgres:14-alpine", "postgres:13", "postgis/postgis:16-3.4"],
         [(5432, "tcp")], "db",
         {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-changeme}", "POSTGRES_DB": "app",
          "PGDATA": "/var/lib/postgresql/data/pgdata"},
         ["pgdata:/var/lib/postgresql/data", "./initdb:/docker-entrypoint-initdb.d:ro"],
         ["CMD-SHELL", "pg_isready -U app -d app"], None, ["postgres", "database", "pg", "postgresql"], 3.0, 0.45),
    Arch("mysql", ["mysql:8.0", "mysql:8.4", "mysql:5.7", "mariadb:10.11", "mariadb:11"], [(3306, "tcp")], "db",
         {"MYSQL_ROOT_PASSWORD": "${MYSQL_ROOT_PASSWORD}", "MYSQL_DATABASE": "app", "MYSQL_USER": "app",
          "MYSQL_PASSWORD": "${MYSQL_PASSWORD:-secret}"},
         ["mysql_data:/var/lib/mysql", "./conf/my.cnf:/etc/mysql/conf.d/custom.cnf:ro"],
         ["CMD", "mysqladmin", "ping", "-h", "localhost"], "--default-authentication-plugin=mysql_native_password",
         ["mariadb", "db", "database"], 2.0, 0.45),
    Arch("redis", ["redis:7-alpine", "redis:7.2", "redis:6.2-alpine", "valkey/valkey:8", "bitnami/redis:latest"],
         [(6379, "tcp")], "db", {"REDIS_PASSWORD": "${REDIS_PASSWORD:-}"}, ["redis_data:/data"],
         ["CMD", "redis-cli", "ping"], "redis-server --appendonly yes --maxmemory 256mb", ["cache", "redis-cache"], 3.0, 0.4),
    Arch("mongo", ["mongo:7", "mongo:6.0", "mongo:5", "bitnami/mongodb:7.0"], [(27017, "tcp")], "db",
         {"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": "${MONGO_PASSWORD:-example}",
          "MONGO_INITDB_DATABASE": "app"}, ["mongo_data:/data/db", "./mongo-init.js:/docker-entrypoint-initdb.d/init.js:ro"],
         ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"], None, ["mongodb", "mongo-db"], 1.5, 0.5),
    Arch("web", ["nginx:1.25-alpine", "nginx:stable", "nginx:latest", "caddy:2", "httpd:2.4"], [(80, "tcp"), (443, "tcp")],
         "web", {"NGINX_HOST": "example.com", "NGINX_PORT": "80"},
         ["./nginx/nginx.conf:/etc/nginx/nginx.conf:ro", "./nginx/conf.d:/etc/nginx/conf.d:ro", "./certs:/etc/nginx/certs:ro",
          "static:/usr/share/nginx/html"],
         "curl -f http://localhost/ || exit 1", None, ["nginx", "proxy", "frontend", "reverse-proxy", "caddy"], 3.0, 0.9),
    Arch("traefik", ["traefik:v3.0", "traefik:v2.11", "traefik:3.1"], [(80, "tcp"), (443, "tcp"), (8080, "tcp")], "web",
         {"TRAEFIK_LOG_LEVEL": "INFO"},
         ["/var/run/docker.sock:/var/run/docker.sock:ro", "./traefik/traefik.yml:/etc/traefik/traefik.yml:ro",
          "letsencrypt:/letsencrypt"],
         ["CMD", "traefik", "healthcheck", "--ping"],
         ["--api.insecure=true", "--providers.docker=true", "--providers.docker.exposedbydefault=false",
          "--entrypoints.web.address=:80", "--entrypoints.websecure.address=:443",
          "--certificatesresolvers.le.acme.tlschallenge=true", "--certificatesresolvers.le.acme.email=ops@example.com",
          "--certificatesresolvers.le.acme.storage=/letsencrypt/acme.json"],
         ["proxy", "edge", "router"], 1.0, 0.95),
    Arch("api", ["node:20-alpine", "python:3.12-slim", "golang:1.22", "eclipse-temurin:21-jre", "ghcr.io/example/api:1.4.2",
                 "registry.example.com/team/api:${TAG:-latest}"], [(8000, "tcp"), (9229, "tcp")], "app",
         {"NODE_ENV": "production", "DATABASE_URL": "postgres://app:${POSTGRES_PASSWORD:-changeme}@db:5432/app",
          "REDIS_URL": "redis://redis:6379/0", "LOG_LEVEL": "info", "SECRET_KEY": "${SECRET_KEY}", "PORT": "8000"},
         ["./src:/app/src", "./package.json:/app/package.json:ro", "node_modules:/app/node_modules"],
         ["CMD-SHELL", "curl -fsS http://localhost:8000/health || exit 1"], "npm run start",
         ["backend", "server", "app", "api-server", "service"], 4.0, 0.7),
    Arch("frontend", ["node:20-alpine", "node:18", "ghcr.io/example/web:2.0.1"], [(3000, "tcp")], "app",
         {"NEXT_PUBLIC_API_URL": "http://localhost:8000", "NODE_ENV": "development", "CHOKIDAR_USEPOLLING": "true"},
         ["./frontend:/usr/src/app", "/usr/src/app/node_modules"], None, ["npm", "run", "dev"],
         ["client", "ui", "web-ui", "react", "vue"], 2.0, 0.85),
    Arch("django", ["python:3.11-slim", "python:3.12", "ghcr.io/example/django-app:main"], [(8000, "tcp")], "app",
         {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_DEBUG": "False",
          "DJANGO_ALLOWED_HOSTS": "localhost 127.0.0.1 [::1]", "CELERY_BROKER_URL": "redis://redis:6379/0"},
         [".:/code", "static_volume:/code/staticfiles", "media_volume:/code/media"], None,
         "gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers 3", ["web", "backend", "app"], 1.5, 0.75),
    Arch("worker", ["python:3.12-slim", "ghcr.io/example/api:1.4.2", "node:20-alpine"], [], "worker",
         {"CELERY_BROKER_URL": "redis://redis:6379/0", "QUEUES": "default,emails,reports", "CONCURRENCY": "4"},
         [".:/code"], None, "celery -A config worker -l info", ["celery", "celery-worker", "sidekiq", "jobs", "queue-worker"],
         2.5, 0.0),
    Arch("beat", ["python:3.12-slim"], [], "worker", {"CELERY_BROKER_URL": "redis://redis:6379/0"}, [".:/code"], None,
         "celery -A config beat -l info --schedule /tmp/celerybeat-schedule", ["scheduler", "celery-beat", "cron"], 1.0, 0.0),
    Arch("rabbitmq", ["rabbitmq:3-management", "rabbitmq:3.13-management-alpine"], [(5672, "tcp"), (15672, "tcp")], "svc",
         {"RABBITMQ_DEFAULT_USER": "guest", "RABBITMQ_DEFAULT_PASS": "${RABBITMQ_PASSWORD:-guest}"},
         ["rabbitmq_data:/var/lib/rabbitmq"], ["CMD", "rabbitmq-diagnostics", "-q", "ping"], None, ["mq", "broker", "amqp"], 1.2, 0.7),
    Arch("kafka", ["confluentinc/cp-kafka:7.6.0", "bitnami/kafka:3.7", "apache/kafka:3.7.0"], [(9092, "tcp"), (29092, "tcp")],
         "svc",
         {"KAFKA_BROKER_ID": "1", "KAFKA_ZOOKEEPER_CONNECT": "zookeeper:2181",
          "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092",
          "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
          "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1"},
         ["kafka_data:/var/lib/kafka/data"], ["CMD", "kafka-topics", "--bootstrap-server", "localhost:9092", "--list"], None,
         ["broker", "kafka1"], 1.0, 0.75),
    Arch("zookeeper", ["confluentinc/cp-zookeeper:7.6.0", "zookeeper:3.9", "bitnami/zookeeper:3.9"], [(2181, "tcp")], "svc",
         {"ZOOKEEPER_CLIENT_PORT": "2181", "ZOOKEEPER_TICK_TIME": "2000", "ALLOW_ANONYMOUS_LOGIN": "yes"},
         ["zk_data:/var/lib/zookeeper/data"], None, None, ["zk", "zoo1"], 0.8, 0.5),
    Arch("elasticsearch", ["docker.elastic.co/elasticsearch/elasticsearch:8.13.0", "elasticsearch:7.17.18",
                           "opensearchproject/opensearch:2"], [(9200, "tcp"), (9300, "tcp")], "db",
         {"discovery.type": "single-node", "ES_JAVA_OPTS": "-Xms512m -Xmx512m", "xpack.security.enabled": "false",
          "bootstrap.memory_lock": "true"},
         ["esdata:/usr/share/elasticsearch/data"],
         ["CMD-SHELL", "curl --silent --fail localhost:9200/_cluster/health || exit 1"], None, ["es", "elastic", "search"],
         1.0, 0.7),
    Arch("kibana", ["docker.elastic.co/kibana/kibana:8.13.0", "kibana:7.17.18"], [(5601, "tcp")], "monitor",
         {"ELASTICSEARCH_HOSTS": "http://elasticsearch:9200", "SERVER_NAME": "kibana"}, [], None, None, ["kib", "dashboards"],
         0.6, 0.9),
    Arch("logstash", ["docker.elastic.co/logstash/logstash:8.13.0", "logstash:7.17.18"],
         [(5044, "tcp"), (5000, "tcp"), (5000, "udp"), (9600, "tcp")], "svc",
         {"LS_JAVA_OPTS": "-Xms256m -Xmx256m"},
         ["./logstash/pipeline:/usr/share/logstash/pipeline:ro", "./logstash/config/logstash.yml:/usr/share/logstash/config/logstash.yml:ro"],
         None, None, ["log", "ingest"], 0.5, 0.8),
    Arch("prometheus", ["prom/prometheus:v2.51.0", "prom/prometheus:latest"], [(9090, "tcp")], "monitor",
         {}, ["./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", "prometheus_data:/prometheus"],
         ["CMD", "wget", "--spider", "-q", "http://localhost:9090/-/healthy"],
         ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
          "--storage.tsdb.retention.time=15d", "--web.enable-lifecycle"], ["prom", "metrics"], 1.2, 0.85),
    Arch("grafana", ["grafana/grafana:10.4.1", "grafana/grafana-oss:latest"], [(3000, "tcp")], "monitor",
         {"GF_SECURITY_ADMIN_USER": "admin", "GF_SECURITY_ADMIN_PASSWORD": "${GRAFANA_PASSWORD:-admin}",
          "GF_USERS_ALLOW_SIGN_UP": "false", "GF_INSTALL_PLUGINS": "grafana-piechart-panel"},
         ["grafana_data:/var/lib/grafana", "./grafana/provisioning:/etc/grafana/provisioning:ro"],
         ["CMD-SHELL", "wget -q --spider http://localhost:3000/api/health || exit 1"], None, ["dashboard", "grafana-ui"], 1.2, 0.9),
    Arch("node-exporter", ["prom/node-exporter:v1.7.0", "quay.io/prometheus/node-exporter:latest"], [(9100, "tcp")], "monitor",
         {}, ["/proc:/host/proc:ro", "/sys:/host/sys:ro", "/:/rootfs:ro"], None,
         ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--collector.filesystem.mount-points-exclude=^/(sys|proc|dev|host|etc)($$|/)"],
         ["nodeexporter", "node_exporter"], 0.6, 0.6),
    Arch("cadvisor", ["gcr.io/cadvisor/cadvisor:v0.49.1"], [(8080, "tcp")], "monitor", {},
         ["/:/rootfs:ro", "/var/run:/var/run:rw", "/sys:/sys:ro", "/var/lib/docker/:/var/lib/docker:ro"], None, None, [], 0.4, 0.7),
    Arch("alertmanager", ["prom/alertmanager:v0.27.0"], [(9093, "tcp")], "monitor", {},
         ["./alertmanager:/etc/alertmanager"], None, ["--config.file=/etc/alertmanager/config.yml"], [], 0.4, 0.7),
    Arch("minio", ["minio/minio:latest", "minio/minio:RELEASE.2024-03-30T09-41-56Z"], [(9000, "tcp"), (9001, "tcp")], "db",
         {"MINIO_ROOT_USER": "minioadmin", "MINIO_ROOT_PASSWORD": "${MINIO_ROOT_PASSWORD:-minioadmin}"},
         ["minio_data:/data"], ["CMD", "mc", "ready", "local"], "server /data --console-address :9001", ["s3", "storage"], 0.8, 0.8),
    Arch("mailhog", ["mailhog/mailhog:latest", "axllent/mailpit:latest"], [(1025, "tcp"), (8025, "tcp")], "svc", {}, [], None,
         None, ["mailpit", "mail"], 0.6, 0.9),
    Arch("smtp", ["boky/postfix:latest", "namshi/smtp", "mailserver/docker-mailserver:14"],
         [(25, "tcp"), (587, "tcp"), (465, "tcp"), (143, "tcp"), (993, "tcp")], "svc",
         {"ALLOWED_SENDER_DOMAINS": "example.com", "RELAYHOST": "smtp.example.com:587", "OVERRIDE_HOSTNAME": "mail.example.com"},
         ["./docker-data/dms/mail-data/:/var/mail/", "./docker-data/dms/config/:/tmp/docker-mailserver/"], None, None,
         ["postfix", "mailserver", "mta"], 0.4, 0.9),
    Arch("gitea", ["gitea/gitea:1.21", "gitea/gitea:latest", "gitlab/gitlab-ce:16.10.0-ce.0"], [(3000, "tcp"), (22, "tcp")], "app",
         {"USER_UID": "1000", "USER_GID": "1000", "GITEA__database__DB_TYPE": "postgres", "GITEA__database__HOST": "db:5432"},
         ["gitea:/data", "/etc/timezone:/etc/timezone:ro", "/etc/localtime:/etc/localtime:ro"], None, None, ["git", "gitlab"], 0.5, 0.95),
    Arch("sshd", ["linuxserver/openssh-server:latest", "atmoz/sftp:alpine"], [(22, "tcp")], "svc",
         {"PUID": "1000", "PGID": "1000", "TZ": "Etc/UTC", "PASSWORD_ACCESS": "false"}, ["./config:/config"], None,
         "foo:pass:1001", ["sftp", "ssh", "bastion"], 0.4, 0.95),
    Arch("ftp", ["fauria/vsftpd", "stilliard/pure-ftpd:latest"], [(21, "tcp"), (20, "tcp")], "svc",
         {"FTP_USER": "ftpuser", "FTP_PASS": "${FTP_PASSWORD}", "PASV_MIN_PORT": "21100", "PASV_MAX_PORT": "21110"},
         ["./ftp:/home/vsftpd"], None, None, ["vsftpd", "pure-ftpd"], 0.3, 0.95),
    Arch("dns", ["pihole/pihole:latest", "coredns/coredns:1.11.1", "adguard/adguardhome:latest"],
         [(53, "tcp"), (53, "udp"), (80, "tcp")], "svc",
         {"TZ": "America/Chicago", "WEBPASSWORD": "${PIHOLE_PASSWORD}", "FTLCONF_LOCAL_IPV4": "192.168.1.10"},
         ["./etc-pihole:/etc/pihole", "./etc-dnsmasq.d:/etc/dnsmasq.d"],
         ["CMD", "dig", "+short", "+norecurse", "+retry=0", "@127.0.0.1", "pi.hole"], None, ["pihole", "coredns", "adguard"],
         0.4, 0.95),
    Arch("kong", ["kong:3.6", "kong/kong-gateway:3.6"], [(8000, "tcp"), (8443, "tcp"), (8001, "tcp"), (8444, "tcp")], "web",
         {"KONG_DATABASE": "postgres", "KONG_PG_HOST": "db", "KONG_PROXY_ACCESS_LOG": "/dev/stdout",
          "KONG_ADMIN_LISTEN": "0.0.0.0:8001, 0.0.0.0:8444 ssl", "KONG_PROXY_LISTEN": "0.0.0.0:8000, 0.0.0.0:8443 ssl"},
         [], ["CMD", "kong", "health"], None, ["gateway", "kong-gateway"], 0.4, 0.95),
    Arch("keycloak", ["quay.io/keycloak/keycloak:24.0", "quay.io/keycloak/keycloak:latest"], [(8080, "tcp")], "app",
         {"KC_DB": "postgres", "KC_DB_URL": "jdbc:postgresql://db:5432/keycloak", "KEYCLOAK_ADMIN": "admin",
          "KEYCLOAK_ADMIN_PASSWORD": "${KEYCLOAK_ADMIN_PASSWORD}", "KC_HOSTNAME": "auth.example.com"},
         [], None, "start-dev --import-realm", ["auth", "sso", "identity"], 0.5, 0.9),
    Arch("jaeger", ["jaegertracing/all-in-one:1.56", "jaegertracing/all-in-one:latest"],
         [(16686, "tcp"), (6831, "udp"), (14268, "tcp"), (4317, "tcp"), (4318, "tcp")], "monitor",
         {"COLLECTOR_OTLP_ENABLED": "true", "SPAN_STORAGE_TYPE": "memory"}, [], None, None, ["tracing", "jaeger-all-in-one"],
         0.5, 0.9),
    Arch("otel-collector", ["otel/opentelemetry-collector-contrib:0.97.0"], [(4317, "tcp"), (4318, "tcp"), (8888, "tcp")],
         "monitor", {}, ["./otel-collector-config.yaml:/etc/otelcol-contrib/config.yaml:ro"], None,
         ["--config=/etc/otelcol-contrib/config.yaml"], ["otelcol", "collector"], 0.4, 0.8),
    Arch("memcached", ["memcached:1.6-alpine"], [(11211, "tcp")], "db", {}, [], None, "memcached -m 64", ["memcache"], 0.4, 0.4),
    Arch("clickhouse", ["clickhouse/clickhouse-server:24.3", "clickhouse/clickhouse-server:latest"],
         [(8123, "tcp"), (9000, "tcp"), (9009, "tcp")], "db",
         {"CLICKHOUSE_DB": "analytics", "CLICKHOUSE_USER": "default", "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1"},
         ["clickhouse_data:/var/lib/clickhouse", "${PWD}/fs/volumes/clickhouse/etc/clickhouse-server/config.d/config.xml:/etc/clickhouse-server/config.d/config.xml"],
         ["CMD", "wget", "--spider", "-q", "localhost:8123/ping"], None, ["ch", "clickhouse-01"], 0.5, 0.8),
    Arch("cassandra", ["cassandra:4.1", "cassandra:5.0"], [(9042, "tcp"), (7000, "tcp")], "db",
         {"CASSANDRA_CLUSTER_NAME": "demo", "MAX_HEAP_SIZE": "512M", "HEAP_NEWSIZE": "100M"}, ["cassandra_data:/var/lib/cassandra"],
         ["CMD-SHELL", "cqlsh -e 'describe keyspaces' || exit 1"], None, ["cassandra1"], 0.3, 0.6),
    Arch("vault", ["hashicorp/vault:1.16"], [(8200, "tcp")], "svc",
         {"VAULT_DEV_ROOT_TOKEN_ID": "${VAULT_TOKEN:-root}", "VAULT_DEV_LISTEN_ADDRESS": "0.0.0.0:8200"},
         ["vault_data:/vault/file"], None, "server -dev", [], 0.3, 0.8),
    Arch("consul", ["hashicorp/consul:1.18"], [(8500, "tcp"), (8600, "udp")], "svc", {}, ["consul_data:/consul/data"], None,
         "agent -server -ui -node=server-1 -bootstrap-expect=1 -client=0.0.0.0", [], 0.3, 0.85),
    Arch("portainer", ["portainer/portainer-ce:2.19.4", "portainer/portainer-ce:latest"], [(9443, "tcp"), (9000, "tcp"), (8000, "tcp")],
         "monitor", {}, ["/var/run/docker.sock:/var/run/docker.sock", "portainer_data:/data"], None, None, [], 0.4, 0.95),
    Arch("adminer", ["adminer:4", "adminer:latest"], [(8080, "tcp")], "monitor", {"ADMINER_DEFAULT_SERVER": "db"}, [], None, None,
         ["dbadmin"], 0.6, 0.95),
    Arch("pgadmin", ["dpage/pgadmin4:8.5", "dpage/pgadmin4:latest"], [(80, "tcp")], "monitor",
         {"PGADMIN_DEFAULT_EMAIL": "admin@example.com", "PGADMIN_DEFAULT_PASSWORD": "${PGADMIN_PASSWORD:-admin}"},
         ["pgadmin_data:/var/lib/pgadmin"], None, None, ["pgadmin4"], 0.5, 0.95),
    Arch("minecraft", ["itzg/minecraft-server:latest", "itzg/minecraft-server:java21"], [(25565, "tcp"), (25575, "tcp")], "svc",
         {"EULA": "TRUE", "MEMORY": "2G", "TYPE": "PAPER", "VERSION": "1.20.4"}, ["./data:/data"], None, None, ["mc", "server"],
         0.2, 0.95),
    Arch("coturn", ["coturn/coturn:4.6", "instrumentisto/coturn"], [(3478, "udp"), (3478, "tcp"), (5349, "tcp")], "svc",
         {"DETECT_EXTERNAL_IP": "yes"}, ["./turnserver.conf:/etc/coturn/turnserver.conf:ro"], None,
         ["-n", "--log-file=stdout", "--min-port=49160", "--max-port=49200"], ["turn", "stun"], 0.2, 0.95),
    Arch("selenium", ["selenium/standalone-chrome:124.0", "selenium/standalone-firefox:latest"], [(4444, "tcp"), (7900, "tcp"), (5900, "tcp")],
         "svc", {"SE_NODE_MAX_SESSIONS": "4", "SE_VNC_NO_PASSWORD": "1"}, ["/dev/shm:/dev/shm"], None, None,
         ["chrome", "browser"], 0.3, 0.9),
    Arch("php", ["php:8.3-fpm", "php:8.2-apache", "wordpress:6.5-php8.2-apache", "nextcloud:apache"], [(80, "tcp"), (9000, "tcp")],
         "app", {"WORDPRESS_DB_HOST": "db:3306", "WORDPRESS_DB_USER": "wordpress", "WORDPRESS_DB_PASSWORD": "${WP_DB_PASSWORD}",
                 "WORDPRESS_DB_NAME": "wordpress", "PHP_MEMORY_LIMIT": "512M"},
         ["./wp-content:/var/www/html/wp-content", "./php.ini:/usr/local/etc/php/conf.d/custom.ini:ro"], None, None,
         ["wordpress", "php-fpm", "nextcloud", "app"], 1.0, 0.75),
    Arch("n8n", ["n8nio/n8n:latest", "docker.n8n.io/n8nio/n8n:1.36.0"], [(5678, "tcp")], "app",
         {"N8N_HOST": "n8n.example.com", "N8N_PROTOCOL": "https", "WEBHOOK_URL": "https://n8n.example.com/",
          "GENERIC_TIMEZONE": "Europe/Berlin"}, ["n8n_data:/home/node/.n8n"], None, None, ["automation"], 0.3, 0.9),
    Arch("ollama", ["ollama/ollama:latest", "ollama/ollama:0.1.32"], [(11434, "tcp")], "app", {"OLLAMA_KEEP_ALIVE": "24h"},
         ["ollama_storage:/root/.ollama"], None, None, ["llm"], 0.3, 0.8),
    Arch("registry", ["registry:2", "registry:2.8"], [(5000, "tcp")], "svc",
         {"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": "/data", "REGISTRY_HTTP_ADDR": "0.0.0.0:5000"}, ["./registry-data:/data"],
         None, None, ["docker-registry"], 0.3, 0.9),
    Arch("watchtower", ["containrrr/watchtower:latest"], [], "worker",
         {"WATCHTOWER_CLEANUP": "true", "WATCHTOWER_POLL_INTERVAL": "3600"}, ["/var/run/docker.sock:/var/run/docker.sock"],
         None, "--interval 30", [], 0.4, 0.0),
    Arch("migrate", ["migrate/migrate:v4.17.0", "flyway/flyway:10"], [], "worker", {"FLYWAY_URL": "jdbc:postgresql://db:5432/app"},
         ["./migrations:/migrations"], None, ["-path", "/migrations", "-database", "postgres://app:app@db:5432/app?sslmode=disable", "up"],
         ["flyway", "migrations", "db-migrate"], 0.6, 0.0),
    Arch("syncthing", ["syncthing/syncthing:1.27", "lscr.io/linuxserver/syncthing:latest"],
         [(8384, "tcp"), (22000, "tcp"), (22000, "udp"), (21027, "udp")], "svc", {"PUID": "1000", "PGID": "1000"},
         ["./syncthing:/var/syncthing"], None, None, ["sync"], 0.2, 0.95),
]
ARCH_WEIGHTS = [a.weight for a in ARCHES]

GENERIC_ENV = [
    ("TZ", "Europe/Berlin"), ("TZ", "UTC"), ("LOG_LEVEL", "debug"), ("ENVIRONMENT", "production"), ("APP_ENV", "staging"),
    ("PUID", "1000"), ("PGID", "1000"), ("HTTP_PROXY", "${HTTP_PROXY:-}"), ("NO_PROXY", "localhost,127.0.0.1,.internal"),
    ("SENTRY_DSN", "${SENTRY_DSN}"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317"),
    ("JAVA_OPTS", "-Xms256m -Xmx1g -XX:+UseG1GC"), ("FEATURE_FLAGS", "new-ui,beta-search"), ("WORKERS", "4"),
    ("DEBUG", "false"), ("CORS_ORIGINS", "https://app.example.com,https://admin.example.com"),
]

HOST_REMAP = {80: [8080, 8000, 8081, 80], 443: [8443, 443, 4443], 5432: [5433, 5432, 15432], 3306: [3307, 3306, 13306],
              6379: [6380, 16379], 27017: [27018], 3000: [3001, 3000, 8080], 8000: [8001, 8080, 80], 8080: [8081, 8090, 80, 9090],
              22: [2222, 2200, 10022, 22], 25: [25, 2525], 53: [53, 5353], 21: [21, 2121], 9000: [9001, 19000]}
POPULAR_HOST = [8080, 8000, 3000, 8081, 8888, 9000, 5000, 8443, 4000, 8090]

NETWORK_NAMES = ["frontend", "backend", "internal", "proxy", "monitoring", "db", "default", "web", "app-net", "traefik-public",
                 "elastic", "kafka-net"]
WORD = ["alpha", "beacon", "cobalt", "delta", "ember", "falcon", "granite", "harbor", "indigo", "juniper", "kestrel", "lumen",
        "meridian", "nimbus", "onyx", "polaris", "quartz", "raven", "sierra", "tundra", "umbra", "vertex", "willow", "zephyr"]

# --------------------------------------------------------------------------
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
    if not quoted and _BASE60.match(text):
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

SERVICE_COUNT_WEIGHTS = [37, 23, 15, 8, 6, 3.3, 2.2, 1.3, 0.9, 0.9, 0.45, 0.45] + [0.13] * 6 + [0.07] * 6 + [0.05] * 6


@dataclass
class FileResult:
    text: str
    services: int
    entries: int
    port_chars: int
    port_lines: int
    forms: Counter
    flags: Counter
    names: list[str]


@dataclass
class Svc:
    name: str
    arch: Arch
    image: str
    entries: list[Entry] = field(default_factory=list)
    long: bool = False
    host_net: bool = False


def _svc_name(rng: random.Random, arch: Arch, used: set[str]) -> str:
    cands = [arch.name] + arch.aliases
    name = cands[0] if rng.random() < 0.6 else rng.choice(cands)
    if name in used:
        style = rng.choice(["{}-{}", "{}{}", "{}_{}"])
        i = 2
        while style.format(name, i) in used:
            i += 1
        name = style.format(name, i)
    used.add(name)
    return name


def _choose_arches(rng: random.Random, n: int) -> list[Arch]:
    """Pick a plausible stack: usually an app + its backing services + extras."""
    out: list[Arch] = []
    by = {a.name: a for a in ARCHES}
    stacks = [
        ["api", "db", "redis"], ["web", "api", "db"], ["frontend", "api", "db", "redis"], ["django", "db", "redis", "worker", "beat"],
        ["prometheus", "grafana", "node-exporter", "cadvisor", "alertmanager"], ["elasticsearch", "kibana", "logstash"],
        ["kafka", "zookeeper"], ["php", "mysql"], ["traefik", "api", "frontend"], ["gitea", "db"], ["kong", "db", "migrate"],
        ["keycloak", "db"], ["n8n", "db", "ollama"], ["api", "rabbitmq", "worker", "db"], ["web", "php", "mysql", "redis"],
    ]
    if n >= 2 and rng.random() < 0.7:
        for name in rng.choice(stacks):
            if len(out) < n:
                out.append(by[name])
    while len(out) < n:
        out.append(rng.choices(ARCHES, ARCH_WEIGHTS)[0])
    if rng.random() < 0.3:
        rng.shuffle(out)
    return out


def _image(rng: random.Random, arch: Arch) -> str:
    img = rng.choice(arch.images)
    if rng.random() < 0.04 and "@" not in img:
        img += "@sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return img


def gen_compose(rng: random.Random, n_services: int, *, override_of: list[str] | None = None) -> FileResult:
    unit = 4 if rng.random() < 0.13 else 2
    doc = Doc(unit, seq_indent=rng.random() < 0.8)
    forms: Counter = Counter()
    flags: Counter = Counter()
    quote_p = rng.choice([0.0, 0.0, 0.2, 0.6])  # how eagerly this author quotes ordinary strings

    # ---- header
    if rng.random() < 0.35:
        doc.add(rng.choice([
            "# Docker Compose stack for local development.",
            "# Production deployment. Copy .env.example to .env and adjust before `docker compose up -d`.",
            "# Generated by bindguard's benchmark corpus generator (synthetic data).",
            "# yaml-language-server: $schema=https://raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json",
            "# Usage:\n#   docker compose -f compose.yaml -f compose.prod.yaml up -d\n#\n# Ports bound to 127.0.0.1 are only reachable from this host.",
        ]))
    if rng.random() < 0.05:
        doc.add("---")
    if override_of is None and rng.random() < 0.22:
        doc.add(f"version: {dq(rng.choice(['3', '3.3', '3.7', '3.8', '3.9', '2.4']))}")
        if rng.random() < 0.3:
            doc.blank()
    if override_of is None and rng.random() < 0.12:
        doc.add(f"name: {rng.choice(WORD)}-{rng.choice(WORD)}")

    # ---- decide the services first (so anchors know what to contain)
    used: set[str] = set()
    if override_of is not None:
        svcs = []
        for nm in override_of[:n_services]:
            arch = rng.choices(ARCHES, ARCH_WEIGHTS)[0]
            for a in ARCHES:
                if nm.split("-")[0] in ([a.name] + a.aliases):
                    arch = a
                    break
            svcs.append(Svc(nm, arch, _image(rng, arch)))
    else:
        svcs = [Svc("", a, "") for a in _choose_arches(rng, n_services)]
        for s in svcs:
            s.name = _svc_name(rng, s.arch, used)
            s.image = _image(rng, s.arch)

    networks = []
    if override_of is None and rng.random() < 0.45:
        networks = rng.sample(NETWORK_NAMES, rng.choice([1, 1, 2, 2, 3]))
    named_vols: list[str] = []

    # ---- x- extension fields with anchors (merge keys, aliases)
    use_common = n_services >= 2 and override_of is None and rng.random() < 0.18
    use_logging_anchor = override_of is None and rng.random() < 0.08
    port_anchor = n_services >= 2 and override_of is None and rng.random() < 0.025
    merge_with_ports = n_services >= 2 and override_of is None and not use_common and rng.random() < 0.012
    common_name = rng.choice(["common", "defaults", "service-defaults", "base", "app-common"])
    if use_logging_anchor:
        doc.add("x-logging: &default-logging")
        doc.kv(1, "driver", "json-file")
        doc.kv(1, "options")
        doc.kv(2, "max-size", dq("10m"))
        doc.kv(2, "max-file", dq("3"))
        doc.blank()
        flags["anchors"] += 1
    common_has_env = False
    if use_common:
        doc.add(f"x-{common_name}: &{common_name}")
        doc.kv(1, "restart", rng.choice(["unless-stopped", "always", "on-failure"]))
        if use_logging_anchor:
            doc.kv(1, "logging", "*default-logging")
        else:
            doc.kv(1, "logging")
            doc.kv(2, "driver", "json-file")
            doc.kv(2, "options")
            doc.kv(3, "max-size", dq("10m"))
        if rng.random() < 0.5:
            common_has_env = True
            doc.kv(1, "environment", "&common-env")
            doc.kv(2, "TZ", "${TZ:-UTC}")
            doc.kv(2, "LOG_LEVEL", "${LOG_LEVEL:-info}")
        if networks and rng.random() < 0.5:
            doc.kv(1, "networks")
            doc.items(1, [networks[0]])
        if rng.random() < 0.3:
            doc.kv(1, "deploy")
            doc.kv(2, "resources")
            doc.kv(3, "limits")
            doc.kv(4, "cpus", dq(rng.choice(["0.5", "1", "2"])))
            doc.kv(4, "memory", rng.choice(["256M", "512M", "1G"]))
        doc.blank()
        flags["anchors"] += 1
        flags["merge_keys"] += 1
    use_second_merge = use_common and rng.random() < 0.25
    if use_second_merge:
        doc.add("x-healthcheck: &healthcheck-defaults")
        doc.kv(1, "healthcheck")
        doc.kv(2, "interval", "30s")
        doc.kv(2, "timeout", "5s")
        doc.kv(2, "retries", "5")
        doc.blank()
    anchored_ports: list[Entry] = []
    if port_anchor:
        doc.add("x-ports: &published-ports")
        for _ in range(rng.choice([1, 1, 2, 3])):
            cp = rng.choice([80, 8080, 3000, 9090])
            e = short_entry(rng, cp, "tcp", pick_host_port(rng, cp))
            anchored_ports.append(e)
            doc.add(f"{doc.item_prefix(0)}- {e.lines[0]}", ports=True)
        doc.blank()
        flags["port_list_anchor"] += 1
    merge_ports: list[Entry] = []
    if merge_with_ports:
        doc.add("x-web-base: &web-base")
        doc.kv(1, "image", sc(_image(rng, ARCHES[4])))
        doc.kv(1, "restart", "always")
        doc.kv(1, "ports", ports=True)
        for _ in range(rng.choice([1, 2])):
            cp = rng.choice([80, 443])
            e = short_entry(rng, cp, "tcp", pick_host_port(rng, cp))
            merge_ports.append(e)
            doc.add(f"{doc.item_prefix(1)}- {e.lines[0]}", ports=True)
        doc.blank()
        flags["merge_inherits_ports"] += 1

    # ---- ports for every service (decided before emission, so duplicates can be injected)
    for s in svcs:
        if override_of is not None:
            if rng.random() < 0.45:
                for _ in range(rng.choice([1, 1, 2])):
                    cp = s.arch.ports[0][0] if s.arch.ports else rng.choice([80, 8080, 5432])
                    hp = pick_host_port(rng, cp)
                    form = rng.choice(["loopback4", "loopback4", "hp_cp_quoted", "interp", None])
                    s.entries.append(short_entry(rng, cp, "tcp", hp, form))
            continue
        s.host_net = rng.random() < 0.015
        if not s.arch.ports or rng.random() > s.arch.publish_p:
            continue
        plist = list(s.arch.ports)
        k = len(plist) if rng.random() < 0.35 else rng.randint(1, len(plist))
        chosen = plist[:k]
        if rng.random() < 0.07:
            chosen.append((rng.choice([9229, 5005, 2345, 4000, 6060, 9464]), "tcp"))  # debug/metrics port
        s.long = rng.random() < 0.08
        for cp, proto in chosen:
            hp = pick_host_port(rng, cp)
            s.entries.append(long_entry(rng, cp, proto, hp) if s.long else short_entry(rng, cp, proto, hp))
    if override_of is None and len(svcs) >= 2 and rng.random() < 0.07:
        with_ports = [s for s in svcs if s.entries and s.entries[0].hp is not None]
        if len(with_ports) >= 2:
            a, b = rng.sample(with_ports, 2)
            hp = a.entries[0].hp
            cp = b.arch.ports[0][0] if b.arch.ports else 80
            b.entries.append(short_entry(rng, cp, a.entries[0].proto, hp, "hp_cp_quoted"))
            flags["dup_host_port"] += 1

    # ---- services
    doc.add("services:")
    entries_total = 0
    anchored_env_done = None
    ports_anchor_user = None
    for si, s in enumerate(svcs):
        if si and rng.random() < 0.25:
            doc.blank()
        if rng.random() < 0.06:
            doc.add(f"{doc.ind(1)}# --- {s.arch.kind}: {s.name} ---")
        doc.kv(1, s.name)
        d = 2
        if use_common and rng.random() < 0.85:
            if use_second_merge and rng.random() < 0.5:
                doc.kv(d, "<<", f"[*{common_name}, *healthcheck-defaults]")
            else:
                doc.kv(d, "<<", f"*{common_name}")
        inherits_merge_ports = False
        if merge_with_ports and rng.random() < 0.6:
            doc.kv(d, "<<", "*web-base")
            inherits_merge_ports = True
        if override_of is None or rng.random() < 0.3:
            if s.arch.kind == "app" and rng.random() < 0.45 and override_of is None:
                if rng.random() < 0.5:
                    doc.kv(d, "build", sc(rng.choice([".", "./" + s.name, "./services/" + s.name]), rng, quote_p))
                else:
                    doc.kv(d, "build")
                    doc.kv(d + 1, "context", sc(rng.choice([".", "./" + s.name, ".."])))
                    doc.kv(d + 1, "dockerfile", sc(rng.choice(["Dockerfile", "Dockerfile.prod", "docker/Dockerfile"])))
                    if rng.random() < 0.4:
                        doc.kv(d + 1, "args")
                        doc.items(d + 1, [sc(f"{k}={v}") for k, v in [("NODE_VERSION", "20"), ("APP_VERSION", "${VERSION:-dev}")]])
                    if rng.random() < 0.3:
                        doc.kv(d + 1, "target", rng.choice(["production", "development", "runtime"]))
                if rng.random() < 0.5:
                    doc.kv(d, "image", sc(s.image, rng, quote_p))
            else:
                doc.kv(d, "image", sc(s.image, rng, quote_p))
        if override_of is None and rng.random() < 0.3:
            doc.kv(d, "container_name", sc(f"{rng.choice(WORD)}-{s.name}", rng, quote_p))
        if override_of is None and rng.random() < 0.08:
            doc.kv(d, "hostname", s.name)
        if not use_common and override_of is None and rng.random() < 0.6:
            doc.kv(d, "restart", rng.choice(["unless-stopped", "unless-stopped", "always", "on-failure", dq("no")]))
        if s.arch.command and rng.random() < (0.7 if override_of is None else 0.1):
            if isinstance(s.arch.command, list):
                if rng.random() < 0.7:
                    doc.kv(d, "command")
                    doc.items(d, [sc(c, rng, quote_p) for c in s.arch.command])
                else:
                    doc.kv(d, "command", "[" + ", ".join(dq(c) for c in s.arch.command) + "]")
            else:
                doc.kv(d, "command", sc(s.arch.command, rng, quote_p))
        if s.host_net:
            doc.kv(d, "network_mode", "host" if rng.random() < 0.8 else dq("host"))
            flags["network_mode_host"] += 1
        # environment
        env = list(s.arch.env.items())
        if override_of is not None:
            env = rng.sample(env, min(len(env), rng.randint(0, 2))) if env else []
        env += rng.sample(GENERIC_ENV, rng.randint(0, 4 if override_of is None else 1))
        seen_env = set()
        env = [(k, v) for k, v in env if not (k in seen_env or seen_env.add(k))]
        if common_has_env and env and rng.random() < 0.3:
            doc.kv(d, "environment")
            doc.kv(d + 1, "<<", "*common-env")
            for k, v in env:
                doc.kv(d + 1, k, sc(v, rng, quote_p))
        elif env and anchored_env_done and rng.random() < 0.12:
            doc.kv(d, "environment", f"*{anchored_env_done}")
            flags["aliases"] += 1
        elif env:
            anchor = ""
            if anchored_env_done is None and n_services >= 2 and rng.random() < 0.06:
                anchored_env_done = f"{s.name.replace('_', '-')}-env"
                anchor = f"&{anchored_env_done}"
            if rng.random() < 0.55:
                doc.kv(d, "environment", anchor or None)
                for k, v in env:
                    doc.kv(d + 1, k, sc(v, rng, quote_p))
            else:
                doc.kv(d, "environment", anchor or None)
                doc.items(d, [sc(f"{k}={v}", rng, quote_p) for k, v in env])
        if override_of is None and rng.random() < 0.12:
            doc.kv(d, "env_file")
            doc.items(d, [rng.choice([".env", "./config/app.env", ".env.local"])])
        # volumes
        if s.arch.volumes and rng.random() < (0.8 if override_of is None else 0.1):
            vols = s.arch.volumes[: rng.randint(1, len(s.arch.volumes))]
            if rng.random() < 0.08:
                doc.kv(d, "volumes")
                for v in vols:
                    parts = v.split(":")
                    p = doc.item_prefix(d)
                    if len(parts) == 1:  # anonymous volume
                        doc.add(f"{p}- type: volume")
                        doc.add(f"{p}  target: {sc(parts[0])}")
                        continue
                    doc.add(f"{p}- type: {'volume' if not parts[0].startswith(('.', '/', '$')) else 'bind'}")
                    doc.add(f"{p}  source: {sc(parts[0])}")
                    doc.add(f"{p}  target: {sc(parts[1])}")
                    if len(parts) > 2:
                        doc.add(f"{p}  read_only: true")
            else:
                doc.kv(d, "volumes")
                doc.items(d, [sc(v, rng, quote_p) for v in vols])
            for v in vols:
                src = v.split(":")[0] if ":" in v else ""
                if src and not src.startswith((".", "/", "$")) and src not in named_vols:
                    named_vols.append(src)
        # ports
        if port_anchor and ports_anchor_user is None and not s.entries and rng.random() < 0.7:
            ports_anchor_user = s.name
        if port_anchor and (s.name == ports_anchor_user or (ports_anchor_user and not s.entries and rng.random() < 0.3)):
            doc.kv(d, "ports", "*published-ports", ports=True)
            entries_total += len(anchored_ports)
            for e in anchored_ports:
                forms[e.form] += 1
            flags["aliases"] += 1
        elif s.entries:
            entries_total += _emit_ports(doc, rng, d, s.entries, forms, flags)
        elif inherits_merge_ports:
            entries_total += len(merge_ports)
            for e in merge_ports:
                forms[e.form] += 1
        elif s.arch.ports and rng.random() < 0.04:
            doc.kv(d, "ports", "[]", ports=True)
            flags["empty_ports"] += 1
        elif s.arch.ports and rng.random() < 0.06:
            # a commented-out ports block: must not count
            doc.add(f"{doc.ind(d)}# ports:", ports=True)
            doc.add(f"{doc.item_prefix(d)}#   - {dq(f'{s.arch.ports[0][0]}:{s.arch.ports[0][0]}')}", ports=True)
            flags["commented_ports"] += 1
        if s.arch.ports and not s.entries and override_of is None and rng.random() < 0.25:
            doc.kv(d, "expose")
            doc.items(d, [str(cp) if rng.random() < 0.6 else dq(str(cp)) for cp, _ in s.arch.ports[:2]])
        # depends_on
        earlier = [x.name for x in svcs[:si]]
        if earlier and override_of is None and rng.random() < 0.6:
            deps = rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))
            if rng.random() < 0.3:
                doc.kv(d, "depends_on")
                for dep in deps:
                    doc.kv(d + 1, dep)
                    doc.kv(d + 2, "condition", rng.choice(["service_healthy", "service_started", "service_completed_successfully"]))
                    if rng.random() < 0.2:
                        doc.kv(d + 2, "restart", "true")
            elif rng.random() < 0.15:
                doc.kv(d, "depends_on", "[" + ", ".join(deps) + "]")
            else:
                doc.kv(d, "depends_on")
                doc.items(d, deps)
        # healthcheck
        if s.arch.health and override_of is None and rng.random() < 0.55:
            doc.kv(d, "healthcheck")
            h = s.arch.health
            if isinstance(h, list):
                if rng.random() < 0.75:
                    doc.kv(d + 1, "test", "[" + ", ".join(dq(x) for x in h) + "]")
                else:
                    doc.kv(d + 1, "test")
                    doc.items(d + 1, [sc(x, rng, quote_p) for x in h])
            else:
                doc.kv(d + 1, "test", sc(h, rng, quote_p))
            doc.kv(d + 1, "interval", rng.choice(["10s", "30s", "5s", "1m"]))
            doc.kv(d + 1, "timeout", rng.choice(["5s", "10s", "3s"]))
            doc.kv(d + 1, "retries", str(rng.choice([3, 5, 10])))
            if rng.random() < 0.4:
                doc.kv(d + 1, "start_period", rng.choice(["30s", "60s", "10s"]))
        # labels
        if override_of is None and rng.random() < 0.22:
            host = f"{s.name}.{rng.choice(WORD)}.example.com"
            lab = [("traefik.enable", "true"), (f"traefik.http.routers.{s.name}.rule", f"Host(`{host}`)"),
                   (f"traefik.http.routers.{s.name}.entrypoints", "websecure"),
                   (f"traefik.http.routers.{s.name}.tls.certresolver", "le"),
                   (f"traefik.http.services.{s.name}.loadbalancer.server.port", str(s.arch.ports[0][0] if s.arch.ports else 80)),
                   ("com.centurylinklabs.watchtower.enable", "true"), ("org.opencontainers.image.source", "https://github.com/example/app")]
            lab = lab[: rng.randint(1, len(lab))]
            if rng.random() < 0.6:
                doc.kv(d, "labels")
                doc.items(d, [sc(f"{k}={v}", rng, quote_p) for k, v in lab])
            else:
                doc.kv(d, "labels")
                for k, v in lab:
                    doc.kv(d + 1, k, dq(v))
        # networks
        if networks and not s.host_net and override_of is None and rng.random() < 0.85:
            nets = rng.sample(networks, rng.randint(1, len(networks)))
            if rng.random() < 0.15:
                doc.kv(d, "networks")
                for nn in nets:
                    doc.kv(d + 1, nn)
                    doc.kv(d + 2, "aliases")
                    doc.items(d + 2, [f"{s.name}.{nn}"])
            else:
                doc.kv(d, "networks")
                doc.items(d, nets)
        # misc noise
        if use_logging_anchor and not use_common and rng.random() < 0.7:
            doc.kv(d, "logging", "*default-logging")
            flags["aliases"] += 1
        if override_of is None and rng.random() < 0.1:
            doc.kv(d, "deploy")
            if rng.random() < 0.5:
                doc.kv(d + 1, "replicas", str(rng.choice([1, 2, 3])))
            doc.kv(d + 1, "resources")
            doc.kv(d + 2, "limits")
            doc.kv(d + 3, "cpus", dq(rng.choice(["0.25", "0.5", "1.0", "2"])))
            doc.kv(d + 3, "memory", rng.choice(["128M", "512M", "1G", "2G"]))
        if override_of is not None and rng.random() < 0.3:
            doc.kv(d, "deploy")
            doc.kv(d + 1, "replicas", str(rng.choice([2, 3, 4])))
        if override_of is None and rng.random() < 0.06:
            doc.kv(d, "ulimits")
            doc.kv(d + 1, "nofile")
            doc.kv(d + 2, "soft", "65536")
            doc.kv(d + 2, "hard", "65536")
        if override_of is None and rng.random() < 0.05:
            doc.kv(d, "cap_add")
            doc.items(d, rng.sample(["NET_ADMIN", "SYS_PTRACE", "NET_BIND_SERVICE", "SYS_NICE"], 2))
        if override_of is None and rng.random() < 0.05:
            doc.kv(d, "extra_hosts")
            doc.items(d, [dq("host.docker.internal:host-gateway")])
        if override_of is None and rng.random() < 0.05:
            doc.kv(d, "user", dq(rng.choice(["1000:1000", "root", "${UID:-1000}:${GID:-1000}", "node"])))
        if override_of is None and rng.random() < 0.04:
            doc.kv(d, "profiles")
            doc.items(d, [rng.choice(["debug", "tools", "monitoring", "dev"])])
        if override_of is None and rng.random() < 0.04:
            doc.kv(d, "stop_grace_period", rng.choice(["30s", "1m", "2m30s"]))
        if override_of is None and rng.random() < 0.03:
            doc.kv(d, "tmpfs")
            doc.items(d, ["/tmp", "/run"])
        if override_of is None and rng.random() < 0.03:
            doc.kv(d, "platform", "linux/amd64")
    # ---- top-level networks / volumes / secrets
    if networks:
        doc.blank()
        doc.add("networks:")
        for i, nn in enumerate(networks):
            r = rng.random()
            if r < 0.45:
                doc.kv(1, nn)
            elif r < 0.7:
                doc.kv(1, nn)
                doc.kv(2, "driver", "bridge")
            elif r < 0.85:
                doc.kv(1, nn)
                doc.kv(2, "external", "true")
                if rng.random() < 0.5:
                    doc.kv(2, "name", f"{nn}-shared")
            else:
                doc.kv(1, nn)
                doc.kv(2, "driver", "bridge")
                if rng.random() < 0.5:
                    doc.kv(2, "internal", "true")
                doc.kv(2, "ipam")
                doc.kv(3, "config")
                p = doc.item_prefix(3)
                doc.add(f"{p}- subnet: 172.{20 + i}.0.0/16")
                if rng.random() < 0.5:
                    doc.add(f"{p}  gateway: 172.{20 + i}.0.1")
    if named_vols and override_of is None:
        doc.blank()
        doc.add("volumes:")
        for v in named_vols:
            r = rng.random()
            if r < 0.75:
                doc.kv(1, v)
            elif r < 0.9:
                doc.kv(1, v, "{}")
            else:
                doc.kv(1, v)
                doc.kv(2, "driver", "local")
    if override_of is None and rng.random() < 0.03:
        doc.blank()
        doc.add("secrets:")
        doc.kv(1, "db_password")
        doc.kv(2, "file", "./secrets/db_password.txt")
    if rng.random() < 0.08:
        doc.add(rng.choice(["# vim: set ts=2 sw=2 et:", "# EOF", "# TODO: move secrets to docker secrets"]))

    return FileResult(doc.text(), len(svcs), entries_total, doc.port_chars, doc.port_lines, forms, flags, [s.name for s in svcs])


def _emit_ports(doc: Doc, rng: random.Random, d: int, entries: list[Entry], forms: Counter, flags: Counter) -> int:
    for e in entries:
        forms[e.form] += 1
    # Flow-style list, short syntax only, and only with quoted or plain-number items (a plain 8080:80 inside
    # [...] is read differently by different YAML parsers, which is not what this corpus is about).
    if all(len(e.lines) == 1 and (e.lines[0][0] in "\"'" or e.lines[0].isdigit()) for e in entries) and rng.random() < 0.05:
        doc.add(f"{doc.ind(d)}ports: [" + ", ".join(e.lines[0] for e in entries) + "]", ports=True)
        flags["flow_ports"] += 1
        return len(entries)
    comment = None
    if rng.random() < 0.04:
        comment = rng.choice(["published on the host", "TODO bind to 127.0.0.1", "web + admin"])
    doc.kv(d, "ports", comment=comment, ports=True)
    p = doc.item_prefix(d)
    for e in entries:
        if rng.random() < 0.03:
            doc.add(f"{p}# {rng.choice(['admin UI', 'metrics', 'do not expose in prod', 'debugger'])}", ports=True)
        first = f"{p}- {e.lines[0]}"
        if len(e.lines) == 1 and rng.random() < 0.04:
            first += "  # " + rng.choice(["http", "https", "admin", "metrics", "see README"])
        doc.add(first, ports=True)
        for extra in e.lines[1:]:
            doc.add(f"{p}  {extra}", ports=True)
    if rng.random() < 0.02:
        doc.add(f"{p}# - {dq('9229:9229')}", ports=True)
        flags["commented_ports"] += 1
    return len(entries)


# --------------------------------------------------------------------------
# Projects and decoys
# --------------------------------------------------------------------------

PRIMARY_NAMES = [("compose.yaml", 36), ("docker-compose.yml", 36), ("docker-compose.yaml", 11), ("compose.yml", 6),
                 ("{app}.compose.yaml", 4), ("{app}-compose.yml", 3), ("docker-compose.dev.yml", 2), ("compose.prod.yaml", 2)]
SECOND_NAMES = ["docker-compose.override.yml", "docker-compose.prod.yml", "compose.override.yaml", "compose.dev.yaml",
                "docker-compose.test.yml", "{app}.compose.yaml", "docker-compose-monitoring.yml"]
SUBDIRS = ["", "", "", "", "", "deploy", "docker", "infra/docker", "services/{app}", "ops/compose"]


def _fmt(s: str, app: str) -> str:
    return s.replace("{app}", app)


def gen_decoys(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    if rng.random() < 0.12:
        out.append((".env", f"BIND=127.0.0.1\nAPP_PORT={rng.choice([8080, 3000, 8000])}\nPOSTGRES_PASSWORD=changeme\nTAG=1.4.2\n"))
    if rng.random() < 0.08:
        out.append(("README.md", "# Local stack\n\nRun `docker compose up -d`, then open http://localhost:8080.\n"))
    if rng.random() < 0.04:
        out.append(("prometheus.yml", "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: app\n    static_configs:\n"
                                      "      - targets: ['api:8000']\n"))
    if rng.random() < 0.04:
        out.append(("Dockerfile", "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n"))
    if rng.random() < 0.02:
        out.append(("docker-compose.yml.bak", "services:\n  old:\n    image: nginx\n    ports:\n      - 80:80\n"))
    return out


def gen_project(seed: int, index: int) -> tuple[list[tuple[str, FileResult]], list[tuple[str, str]]]:
    rng = random.Random(f"{seed}-{index}")
    app = rng.choice(WORD)
    sub = _fmt(rng.choice(SUBDIRS), app)
    files: list[tuple[str, FileResult]] = []
    n = rng.choices(range(1, len(SERVICE_COUNT_WEIGHTS) + 1), SERVICE_COUNT_WEIGHTS)[0]
    primary = _fmt(rng.choices([p for p, _ in PRIMARY_NAMES], [w for _, w in PRIMARY_NAMES])[0], app)
    base = gen_compose(rng, n)
    files.append((os.path.join(sub, primary) if sub else primary, base))
    r = rng.random()
    extra = 0 if r < 0.8 else (1 if r < 0.95 else 2)
    names = base.names
    for k in range(extra):
        if k == 0 and names:
            nm = _fmt(rng.choice(SECOND_NAMES), app)
            if nm == primary:
                nm = "docker-compose.override.yml" if primary != "docker-compose.override.yml" else "compose.prod.yaml"
            fr = gen_compose(rng, rng.randint(1, min(4, len(names))), override_of=rng.sample(names, len(names)))
            files.append((os.path.join(sub, nm) if sub else nm, fr))
        else:
            other = rng.choice(["monitoring", "tools", "e2e", "legacy"])
            nm = rng.choice(["compose.yaml", "docker-compose.yml"])
            fr = gen_compose(rng, rng.choices(range(1, 8), [30, 25, 15, 10, 10, 5, 5])[0])
            files.append((os.path.join(other, nm), fr))
    return files, gen_decoys(rng)


def _write(path: str, text: str, crlf: bool = False, bom: bool = False) -> int:
    data = text.replace("\n", "\r\n") if crlf else text
    raw = data.encode("utf-8")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(raw)
    return len(raw)


def generate_corpus(outdir: str, n_files: int, seed: int) -> dict:
    t0 = time.perf_counter()
    totals: Counter = Counter()
    forms: Counter = Counter()
    flags: Counter = Counter()
    names: Counter = Counter()
    svc_hist: Counter = Counter()
    manifest: list[str] = []
    pi = 0
    while totals["files"] < n_files:
        files, decoys = gen_project(seed, pi)
        pdir = os.path.join(outdir, f"p{pi:05d}")
        files = files[: n_files - totals["files"]]
        for rel, fr in files:
            path = os.path.join(pdir, rel)
            erng = random.Random(f"{seed}-{pi}-{rel}-enc")
            crlf = erng.random() < 0.01
            bom = erng.random() < 0.003
            size = _write(path, fr.text, crlf, bom)
            totals["files"] += 1
            totals["services"] += fr.services
            totals["port_entries"] += fr.entries
            totals["bytes"] += size
            totals["port_bytes"] += fr.port_chars + (fr.port_lines if crlf else 0)
            flags.update(fr.flags)
            flags["crlf_files"] += crlf
            flags["bom_files"] += bom
            forms.update(fr.forms)
            names[os.path.basename(rel)] += 1
            svc_hist[fr.services] += 1
            manifest.append(f"{os.path.relpath(path, outdir)}\t{fr.services}\t{fr.entries}\t{size}")
        for rel, text in decoys:
            totals["other_files"] += 1
            totals["other_bytes"] += _write(os.path.join(pdir, rel), text)
        pi += 1
    totals["projects"] = pi
    with open(os.path.join(outdir, MANIFEST_NAME), "w", encoding="utf-8") as f:
        f.write("path\tservices\tport_entries\tbytes\n" + "\n".join(manifest) + "\n")
    elapsed = time.perf_counter() - t0
    app_names = Counter()
    for n, c in names.items():
        key = n if n in {p for p, _ in PRIMARY_NAMES} | set(SECOND_NAMES) else re.sub(r"^[a-z]+(?=[.-]compose)", "{app}", n)
        app_names[key] += c
    summary = {
        "generator_version": GEN_VERSION,
        "mode": "corpus",
        "seed": seed,
        "files": totals["files"],
        "projects": totals["projects"],
        "services": totals["services"],
        "port_entries": totals["port_entries"],
        "bytes": totals["bytes"],
        "port_bytes": totals["port_bytes"],
        "other_files": totals["other_files"],
        "other_bytes": totals["other_bytes"],
        "generation_seconds": round(elapsed, 3),
        "services_per_file": {str(k): svc_hist[k] for k in sorted(svc_hist)},
        "port_forms": dict(sorted(forms.items(), key=lambda kv: -kv[1])),
        "features": dict(sorted(flags.items())),
        "file_names": dict(sorted(app_names.items(), key=lambda kv: -kv[1])),
    }
    # The file leaves out the timing so that the whole output folder is byte-identical for a given seed.
    with open(os.path.join(outdir, SUMMARY_NAME), "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in summary.items() if k != "generation_seconds"}, f, indent=2)
        f.write("\n")
    return summary


# --------------------------------------------------------------------------
# --large: one file, N services, exactly 5 port entries each
# --------------------------------------------------------------------------


def generate_large(outdir: str, n_services: int, seed: int) -> dict:
    t0 = time.perf_counter()
    rng = random.Random(f"{seed}-large-{n_services}")
    doc = Doc(2, True)
    forms: Counter = Counter()
    doc.add(f"# Synthetic large compose file: {n_services} services x 5 published ports (bindguard benchmark).")
    doc.add("x-common: &common")
    doc.kv(1, "restart", "unless-stopped")
    doc.kv(1, "logging")
    doc.kv(2, "driver", "json-file")
    doc.kv(2, "options")
    doc.kv(3, "max-size", dq("10m"))
    doc.kv(1, "networks")
    doc.items(1, ["backend"])
    doc.blank()
    doc.add("services:")
    entries = 0
    named_vols: list[str] = []
    width = len(str(n_services))
    for i in range(n_services):
        arch = rng.choices(ARCHES, ARCH_WEIGHTS)[0]
        name = f"{arch.name}-{i:0{width}d}"
        doc.kv(1, name)
        doc.kv(2, "<<", "*common")
        doc.kv(2, "image", sc(_image(rng, arch)))
        env = list(arch.env.items())[:4] + [("INSTANCE", str(i))]
        doc.kv(2, "environment")
        for k, v in env:
            doc.kv(3, k, sc(v))
        if arch.volumes:
            doc.kv(2, "volumes")
            doc.items(2, [sc(v) for v in arch.volumes[:2]])
            for v in arch.volumes[:2]:
                src = v.split(":")[0] if ":" in v else ""
                if src and not src.startswith((".", "/", "$")) and src not in named_vols:
                    named_vols.append(src)
        doc.kv(2, "ports", ports=True)
        base_hp = 10000 + (i * 5) % 50000
        plist = arch.ports or [(8080, "tcp")]
        es = []
        for j in range(5):
            cp, proto = plist[j % len(plist)]
            hp = base_hp + j
            if rng.random() < 0.08:
                es.append(long_entry(rng, cp, proto, hp))
            else:
                es.append(short_entry(rng, cp, proto, hp))
        p = doc.item_prefix(2)
        for e in es:
            doc.add(f"{p}- {e.lines[0]}", ports=True)
            for extra in e.lines[1:]:
                doc.add(f"{p}  {extra}", ports=True)
            forms[e.form] += 1
        entries += len(es)
        if arch.health and rng.random() < 0.3:
            doc.kv(2, "healthcheck")
            doc.kv(3, "test", "[" + ", ".join(dq(x) for x in arch.health) + "]" if isinstance(arch.health, list) else sc(arch.health))
            doc.kv(3, "interval", "30s")
    doc.blank()
    doc.add("networks:")
    doc.kv(1, "backend")
    if named_vols:
        doc.blank()
        doc.add("volumes:")
        for v in named_vols:
            doc.kv(1, v)
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"large-{n_services}.compose.yaml")
    size = _write(path, doc.text())
    summary = {
        "generator_version": GEN_VERSION,
        "mode": "large",
        "seed": seed,
        "path": path,
        "files": 1,
        "services": n_services,
        "port_entries": entries,
        "bytes": size,
        "port_bytes": doc.port_chars,
        "generation_seconds": round(time.perf_counter() - t0, 3),
        "port_forms": dict(sorted(forms.items(), key=lambda kv: -kv[1])),
    }
    with open(os.path.join(outdir, f"large-{n_services}.summary.json"), "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in summary.items() if k not in ("generation_seconds", "path")}, f, indent=2)
        f.write("\n")
    return summary


# --------------------------------------------------------------------------
# Verification (needs PyYAML; generation itself does not)
# --------------------------------------------------------------------------


def count_with_yaml(text: str) -> tuple[int, int]:
    """(services, port entries) as PyYAML's CSafeLoader resolves them (aliases and merge keys applied)."""
    import yaml

    data = yaml.load(text, Loader=yaml.CSafeLoader)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return 0, 0
    n = 0
    for svc in services.values():
        if isinstance(svc, dict) and isinstance(svc.get("ports"), list):
            n += len(svc["ports"])
    return len(services), n


def verify(outdir: str) -> int:
    """Re-parse every file listed in the manifest: yaml.compose must succeed and counts must match."""
    import yaml

    bad = 0
    tot_s = tot_e = tot_b = files = 0
    ints = 0
    with open(os.path.join(outdir, MANIFEST_NAME), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for rel, s, e, b in rows:
        path = os.path.join(outdir, rel)
        with open(path, "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8-sig")
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
            assert node is not None, "empty document"
            ns, ne = count_with_yaml(text)
        except Exception as exc:  # noqa: BLE001 - report and continue
            print(f"FAIL parse {rel}: {exc}", file=sys.stderr)
            bad += 1
            continue
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        for svc in (data.get("services") or {}).values():
            for p in (svc or {}).get("ports") or []:
                ints += isinstance(p, int)
        if (ns, ne, len(raw)) != (int(s), int(e), int(b)):
            print(f"FAIL counts {rel}: manifest s={s} e={e} b={b}, parsed s={ns} e={ne} b={len(raw)}", file=sys.stderr)
            bad += 1
        tot_s += ns
        tot_e += ne
        tot_b += len(raw)
        files += 1
    with open(os.path.join(outdir, SUMMARY_NAME), encoding="utf-8") as f:
        summ = json.load(f)
    if (files, tot_s, tot_e, tot_b) != (summ["files"], summ["services"], summ["port_entries"], summ["bytes"]):
        print(f"FAIL totals: summary {summ['files']}/{summ['services']}/{summ['port_entries']}/{summ['bytes']}, "
              f"parsed {files}/{tot_s}/{tot_e}/{tot_b}", file=sys.stderr)
        bad += 1
    # Every compose file on disk must be in the manifest (and nothing else must look like one).
    on_disk = set(discover(outdir))
    listed = {os.path.join(outdir, r[0]) for r in rows}
    if on_disk != listed:
        print(f"FAIL discovery: {len(on_disk - listed)} unlisted, {len(listed - on_disk)} missing", file=sys.stderr)
        bad += 1
    want_ints = sum(v for k, v in summ["port_forms"].items() if k.endswith("+base60") or k == "container_int")
    if ints != want_ints:
        print(f"FAIL int-typed entries: parsed {ints}, generator marked {want_ints}", file=sys.stderr)
        bad += 1
    base60 = sum(v for k, v in summ["port_forms"].items() if k.endswith("+base60"))
    print(f"verify: {files} files parsed with yaml.compose(CSafeLoader); services={tot_s} entries={tot_e} bytes={tot_b}; "
          f"int-typed entries={ints} (of which YAML 1.1 base-60 {base60}); "
          f"{'OK' if not bad else f'{bad} FAILURES'}")
    return 1 if bad else 0


COMPOSE_PATTERNS = ("compose*.y*ml", "docker-compose*.y*ml", "*.compose.y*ml", "*-compose.y*ml")


def discover(root: str) -> list[str]:
    """Compose files under ``root`` by the bindguard discovery patterns (sorted, deterministic)."""
    import fnmatch

    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for fn in sorted(files):
            if any(fnmatch.fnmatchcase(fn, p) for p in COMPOSE_PATTERNS):
                out.append(os.path.join(d, fn))
    return out


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _fmt_summary(s: dict) -> str:
    pct = 100.0 * s["port_bytes"] / s["bytes"] if s["bytes"] else 0.0
    lines = [
        f"files:        {s['files']:,}" + (f" compose files in {s['projects']:,} projects (+{s['other_files']:,} other files,"
                                            f" {s['other_bytes']:,} bytes)" if s["mode"] == "corpus" else f"  ({s['path']})"),
        f"services:     {s['services']:,}",
        f"port entries: {s['port_entries']:,}",
        f"bytes:        {s['bytes']:,} (ports blocks {s['port_bytes']:,} = {pct:.1f}%)",
        f"generated in: {s['generation_seconds']:.2f} s (seed {s['seed']})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=10000, help="number of compose files (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--large", type=int, metavar="N", help="write ONE file with N services x 5 port entries instead")
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it holds a corpus made by this script")
    ap.add_argument("--verify", action="store_true", help="after generating, re-parse every file with PyYAML and check counts")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)

    if args.large is not None:
        if args.large < 1:
            ap.error("--large must be >= 1")
        s = generate_large(args.outdir, args.large, args.seed)
        print(json.dumps(s, indent=2) if args.json else _fmt_summary(s))
        if args.verify:
            import yaml

            with open(s["path"], encoding="utf-8") as f:
                text = f.read()
            yaml.compose(text, Loader=yaml.CSafeLoader)
            ns, ne = count_with_yaml(text)
            ok = (ns, ne) == (s["services"], s["port_entries"])
            print(f"verify: services={ns} entries={ne} {'OK' if ok else 'MISMATCH'}")
            return 0 if ok else 1
        return 0

    if args.files < 1:
        ap.error("--files must be >= 1")
    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        if not args.force:
            print(f"error: {args.outdir} exists and is not empty (use --force to replace a corpus made by this script)",
                  file=sys.stderr)
            return 2
        if not os.path.exists(os.path.join(args.outdir, SUMMARY_NAME)):
            print(f"error: refusing to delete {args.outdir}: it has no {SUMMARY_NAME}, so it was not made by this script",
                  file=sys.stderr)
            return 2
        shutil.rmtree(args.outdir)
    os.makedirs(args.outdir, exist_ok=True)
    s = generate_corpus(args.outdir, args.files, args.seed)
    print(json.dumps(s, indent=2) if args.json else f"corpus: {args.outdir}\n" + _fmt_summary(s))
    if args.verify:
        return verify(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
