"""`dockyard config` prints what `docker compose config` (v2) prints for the same project.

Each expected text below is Docker Compose's output written out by hand: name, services sorted by name with their
attributes in alphabetical order, then networks, volumes, secrets; ports and volumes in long syntax; the default
network; environment and labels as maps; commands as argv lists; Go's double quotes where a string needs them.
"""

from __future__ import annotations

import json

FLASK_REDIS = """
services:
  web:
    build: .
    ports:
      - "8000:8000"
    volumes:
      - .:/code
    depends_on:
      - redis
  redis:
    image: redislabs/redismod
    ports:
      - '6379:6379'
"""


def test_a_build_and_an_image_service(project):
    project.write("compose.yaml", FLASK_REDIS)
    run = project.dockyard("-p", "flask", "config")
    assert run.code == 0, run.err
    assert run.out == project.expected("""
        name: flask
        services:
          redis:
            image: redislabs/redismod
            networks:
              default: null
            ports:
              - mode: ingress
                target: 6379
                published: "6379"
                protocol: tcp
          web:
            build:
              context: $DIR
              dockerfile: Dockerfile
            depends_on:
              redis:
                condition: service_started
                required: true
            networks:
              default: null
            ports:
              - mode: ingress
                target: 8000
                published: "8000"
                protocol: tcp
            volumes:
              - type: bind
                source: $DIR
                target: /code
                bind:
                  create_host_path: true
        networks:
          default:
            name: flask_default
    """)


def test_a_database_stack_with_healthcheck_named_volume_and_secret_file(project):
    project.write("compose.yaml", """
        services:
          db:
            image: mariadb:10-focal
            command: '--default-authentication-plugin=mysql_native_password'
            restart: always
            healthcheck:
              test: ['CMD-SHELL', 'mysqladmin ping -h 127.0.0.1 --silent']
              interval: 3s
              retries: 5
              start_period: 30s
              timeout: 5s
            volumes:
              - db-data:/var/lib/mysql
            environment:
              - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password
              - MYSQL_DATABASE=example
            expose:
              - 3306
          proxy:
            image: nginx
            entrypoint: nginx -g "daemon off;"
            volumes:
              - type: bind
                source: ./proxy/nginx.conf
                target: /etc/nginx/conf.d/default.conf
                read_only: true
            ports:
              - 80:80
            restart: "no"
            depends_on:
              db:
                condition: service_healthy
        volumes:
          db-data: {}
        secrets:
          db-password:
            file: db/password.txt
    """)
    run = project.dockyard("config")
    assert run.code == 0, run.err
    assert run.out == project.expected("""
        name: demo
        services:
          db:
            command:
              - --default-authentication-plugin=mysql_native_password
            environment:
              MYSQL_DATABASE: example
              MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db-password
            expose:
              - "3306"
            healthcheck:
              test:
                - CMD-SHELL
                - mysqladmin ping -h 127.0.0.1 --silent
              timeout: 5s
              interval: 3s
              retries: 5
              start_period: 30s
            image: mariadb:10-focal
            networks:
              default: null
            restart: always
            volumes:
              - type: volume
                source: db-data
                target: /var/lib/mysql
                volume: {}
          proxy:
            depends_on:
              db:
                condition: service_healthy
                required: true
            entrypoint:
              - nginx
              - -g
              - daemon off;
            image: nginx
            networks:
              default: null
            ports:
              - mode: ingress
                target: 80
                published: "80"
                protocol: tcp
            restart: "no"
            volumes:
              - type: bind
                source: $DIR/proxy/nginx.conf
                target: /etc/nginx/conf.d/default.conf
                read_only: true
        networks:
          default:
            name: demo_default
        volumes:
          db-data:
            name: demo_db-data
        secrets:
          db-password:
            name: demo_db-password
            file: $DIR/db/password.txt
    """)


def test_custom_and_external_networks_labels_ulimits_and_port_ranges(project):
    project.write("compose.yaml", """
        services:
          app:
            image: app:1
            labels:
              - "com.example.tier=front"
              - "com.example.app=shop"
            networks: [front, back]
            ulimits:
              nproc: 65535
              nofile: {soft: 20000, hard: 40000}
            ports:
              - "127.0.0.1:9000-9001:9000-9001/udp"
            stop_grace_period: 1m30s
        networks:
          front: {}
          back:
            driver: bridge
          outside:
            external: true
    """)
    run = project.dockyard("config")
    assert run.code == 0, run.err
    assert run.out == project.expected("""
        name: demo
        services:
          app:
            image: app:1
            labels:
              com.example.app: shop
              com.example.tier: front
            networks:
              back: null
              front: null
            ports:
              - mode: ingress
                host_ip: 127.0.0.1
                target: 9000
                published: "9000"
                protocol: udp
              - mode: ingress
                host_ip: 127.0.0.1
                target: 9001
                published: "9001"
                protocol: udp
            stop_grace_period: 1m30s
            ulimits:
              nofile:
                soft: 20000
                hard: 40000
              nproc: 65535
        networks:
          back:
            name: demo_back
            driver: bridge
          front:
            name: demo_front
          outside:
            name: outside
            external: true
    """)


def test_json_format_holds_the_same_project(project):
    project.write("compose.yaml", FLASK_REDIS)
    as_json = json.loads(project.dockyard("config", "--format", "json").out)
    assert list(as_json) == ["name", "services", "networks"]
    assert as_json["services"]["redis"]["ports"] == [
        {"mode": "ingress", "target": 6379, "published": "6379", "protocol": "tcp"}
    ]
    assert as_json["networks"] == {"default": {"name": "demo_default"}}
