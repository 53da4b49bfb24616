"""Stand-ins for the images awesome-compose stacks build from Docker Hub bases, made from Debian packages with
examples/images (same cache, same way): what each stack's Dockerfile would produce, with the packages from
Debian instead of pip or the php image.

- ``dockyard.local/awesome-flask:bookworm``: python3 + Flask + redis-py; like flask-redis's Dockerfile
  (target ``builder``): ``WORKDIR /code``, ``ENTRYPOINT ["python3"]``, ``CMD ["app.py"]``.
- ``dockyard.local/awesome-php-apache:bookworm``: Apache + mod_php; like ``php:apache``: ``apache2-foreground``,
  document root /var/www/html, logs to the container's output.
"""

from __future__ import annotations

from pathlib import Path

from examples.images.build import ensure_rootfs, import_image
from examples.images.cache import ImageCache, cache_root
from examples.images.recipes import PATH, FileEdit, ImageConfig, Recipe
from runtime.images.service import ImageService

FLASK = Recipe(
    ref="dockyard.local/awesome-flask:bookworm",
    packages=("python3", "python3-flask", "python3-redis"),
    config=ImageConfig(env=(PATH, "LANG=C.UTF-8", "PYTHONUNBUFFERED=1"), entrypoint=("python3",),
                       cmd=("app.py",), working_dir="/code", exposed_ports=("8000/tcp",)),
)

APACHE_FOREGROUND = """#!/bin/sh
# Like the php:apache image's apache2-foreground: Debian's apache2 in the foreground, logs to the output.
set -e
. /etc/apache2/envvars
mkdir -p /run/lock "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
rm -f "$APACHE_PID_FILE"
exec apache2 -DFOREGROUND "$@"
"""

PHP_APACHE = Recipe(
    ref="dockyard.local/awesome-php-apache:bookworm",
    packages=("apache2", "libapache2-mod-php"),
    files=(
        FileEdit("/usr/local/bin/apache2-foreground", text=APACHE_FOREGROUND, mode=0o755),
        FileEdit("/var/log/apache2/access.log", kind="symlink", target="/dev/stdout"),
        FileEdit("/var/log/apache2/error.log", kind="symlink", target="/dev/stderr"),
        FileEdit("/var/log/apache2/other_vhosts_access.log", kind="symlink", target="/dev/stdout"),
        FileEdit("/var/www/html/index.html", kind="remove"),
    ),
    config=ImageConfig(env=(PATH,), cmd=("apache2-foreground",), working_dir="/var/www/html",
                       exposed_ports=("80/tcp",), stop_signal="SIGWINCH"),
)

RECIPES = (FLASK, PHP_APACHE)


def ensure_awesome_images(root: Path, recipes: tuple[Recipe, ...] = RECIPES) -> None:
    """Build (once, cached with the other local images) and import the stand-in images into the store at root."""
    cache = ImageCache(cache_root())
    tars = ensure_rootfs(list(recipes), cache)
    service = ImageService(root)
    for recipe in recipes:
        import_image(service, recipe, tars[recipe.ref][0])
