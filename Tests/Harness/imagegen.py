"""Deterministic test images, pushed to a registry over the real distribution push API.

Every byte comes from a seeded PRNG, so digests are the same on every run. Layers are real
gzip'd tars and configs carry correct rootfs.diff_ids, so real clients can unpack what they pull.

    python3 imagegen.py --registry http://127.0.0.1:PORT [--user U --password P] [--big-mib N]

pushes the standard set (app/docker-v2:1.0, app/oci:1.0, app/multi:1.0, charts/mychart:0.1.0, and
with --big-mib also big/blob:1.0) and prints one JSON object:

    {"images": [{"repository", "tag", "mediaType", "digest", "size",
                 "blobs": [{"digest", "size", "mediaType"}],
                 "children": [same shape plus "platform": "linux/arm64"]}]}

"blobs" holds every blob the image needs (for an index, those of all its children); "children"
is empty except for an index, whose children carry their digest as "tag" (they are pushed by digest).
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import random
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_UNCOMPRESSED = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

STANDARD_SEED = 20261121
BIG_CHUNK = 4 << 20


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(data, media_type):
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}


def canonical_json(value):
    return json.dumps(value, separators=(",", ":")).encode()


def gzip_tar(rng, files):
    """A gzip'd tar of `files` (name -> size) random files; returns (gzip bytes, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        directory = tarfile.TarInfo("data")
        directory.type, directory.mode, directory.mtime = tarfile.DIRTYPE, 0o755, 0
        tar.addfile(directory)
        for name, size in files.items():
            info = tarfile.TarInfo(f"data/{name}")
            info.size, info.mode, info.mtime, info.uid, info.gid = size, 0o644, 0, 0, 0
            tar.addfile(info, io.BytesIO(rng.randbytes(size)))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), digest_of(uncompressed)


def random_layer(rng):
    """A layer of three files of random sizes (16-96 KiB)."""
    return gzip_tar(rng, {f"file-{i}.bin": rng.randint(16 << 10, 96 << 10) for i in range(3)})


class Image:
    """A manifest (or index) and the blobs it references, ready to push or to serve."""

    def __init__(self, repository, tag, manifest, blobs=(), children=()):
        self.repository, self.tag = repository, tag
        self.platform = None  # "linux/arm64" for an index's child
        self.media_type = manifest["mediaType"]
        self.manifest = canonical_json(manifest)
        self.digest = digest_of(self.manifest)
        self.blobs = list(blobs)  # (bytes, mediaType) pairs
        self.children = list(children)

    def all_blobs(self):
        """(bytes, mediaType) of this image and of its children, each digest once."""
        unique = {}
        for image in [self] + self.children:
            for data, media_type in image.blobs:
                unique.setdefault(digest_of(data), (data, media_type))
        return list(unique.values())

    def describe(self):
        described = {"repository": self.repository, "tag": self.tag, "mediaType": self.media_type,
                     "digest": self.digest, "size": len(self.manifest),
                     "blobs": [descriptor(data, media_type) for data, media_type in self.all_blobs()],
                     "children": [child.describe() for child in self.children]}
        if self.platform:
            described["platform"] = self.platform
        return described


def container_image(rng, repository, tag, docker=False, arch="amd64", layers=2):
    """A runnable-looking image: Docker v2 schema 2 or OCI, with real gzip'd tar layers."""
    manifest_type, config_type, layer_type = (
        (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER) if docker else (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER))
    built = [random_layer(rng) for _ in range(layers)]
    config = canonical_json({
        "architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id for _, diff_id in built]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"imagegen layer {i}"} for i in range(layers)],
    })
    manifest = {"schemaVersion": 2, "mediaType": manifest_type, "config": descriptor(config, config_type),
                "layers": [descriptor(layer, layer_type) for layer, _ in built]}
    blobs = [(config, config_type)] + [(layer, layer_type) for layer, _ in built]
    return Image(repository, tag, manifest, blobs)


def image_index(rng, repository, tag, arches):
    """An OCI index over one OCI image per architecture, each with layers of its own."""
    children = [container_image(rng, repository, None, arch=arch) for arch in arches]
    for child, arch in zip(children, arches):
        child.tag, child.platform = child.digest, f"linux/{arch}"  # children are pushed by digest
    manifest = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        dict(descriptor(child.manifest, OCI_MANIFEST), platform={"architecture": arch, "os": "linux"})
        for child, arch in zip(children, arches)]}
    return Image(repository, tag, manifest, children=children)


def helm_chart(rng, repository, tag):
    """A Helm-chart-like OCI artifact: Helm config media type and one chart layer."""
    config = canonical_json({"name": "mychart", "version": tag, "apiVersion": "v2"})
    chart, _ = gzip_tar(rng, {"Chart.yaml": 512, "values.yaml": 2048})
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(config, HELM_CONFIG),
                "layers": [descriptor(chart, HELM_CHART)]}
    return Image(repository, tag, manifest, [(config, HELM_CONFIG), (chart, HELM_CHART)])


def standard_images(seed=STANDARD_SEED):
    rng = random.Random(seed)
    return [
        container_image(rng, "app/docker-v2", "1.0", docker=True),
        container_image(rng, "app/oci", "1.0"),
        image_index(rng, "app/multi", "1.0", ["amd64", "arm64", "s390x"]),
        helm_chart(rng, "charts/mychart", "0.1.0"),
    ]


def small_image(repository, tag="1.0", layer_size=256 << 10):
    """One small OCI image with a single layer, its bytes seeded by the repository name (and by the
    tag when it is not 1.0, so each tag of a repository is an image of its own)."""
    rng = random.Random(f"small:{repository}" + ("" if tag == "1.0" else f":{tag}"))
    layer, diff_id = gzip_tar(rng, {"payload.bin": layer_size})
    config = canonical_json({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(config, OCI_CONFIG),
                "layers": [descriptor(layer, OCI_LAYER)]}
    return Image(repository, tag, manifest, [(config, OCI_CONFIG), (layer, OCI_LAYER)])


class PushError(Exception):
    pass


def parse_challenge(header):
    """`Bearer realm="…",service="…"` -> ("bearer", {"realm": …, "service": …})."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', rest))


class Registry:
    """The push side of the distribution API, authenticating the way /v2/'s challenge asks."""

    def __init__(self, url, user=None, password=None):
        self.url = url.rstrip("/")
        self.basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else None
        self.challenge = None
        self.authorizations = {}

    def request(self, method, url, data=None, headers=None, repository=None):
        """Sends one request (with the repository's Authorization); returns the response headers."""
        headers = dict(headers or {})
        if repository:
            authorization = self.authorization(repository)
            if authorization:
                headers["Authorization"] = authorization
        request = urllib.request.Request(urllib.parse.urljoin(self.url + "/", url), data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
                return response.headers
        except urllib.error.HTTPError as error:
            raise PushError(f"{method} {request.full_url}: {error.code} {error.read()[:500].decode(errors='replace')}") from None

    def authorization(self, repository):
        if repository not in self.authorizations:
            self.authorizations[repository] = self.authorize(repository)
        return self.authorizations[repository]

    def authorize(self, repository):
        """None, Basic credentials, or a Bearer token for `repository:<name>:pull,push`."""
        if self.challenge is None:
            try:
                urllib.request.urlopen(self.url + "/v2/").read()
                self.challenge = ("", {})
            except urllib.error.HTTPError as error:
                if error.code != 401:
                    raise PushError(f"GET /v2/: {error.code}") from None
                self.challenge = parse_challenge(error.headers.get("WWW-Authenticate", ""))
        scheme, params = self.challenge
        if scheme and not self.basic:
            raise PushError(f"the registry asks for {scheme} auth and no credentials were given")
        if scheme == "basic":
            return self.basic
        if scheme == "bearer":
            query = urllib.parse.urlencode({"service": params.get("service", ""), "scope": f"repository:{repository}:pull,push"})
            request = urllib.request.Request(f"{params['realm']}?{query}", headers={"Authorization": self.basic})
            try:
                with urllib.request.urlopen(request) as response:
                    body = json.load(response)
            except urllib.error.HTTPError as error:
                raise PushError(f"token request to {params['realm']}: {error.code} {error.read()[:500].decode(errors='replace')}") from None
            return "Bearer " + (body.get("token") or body["access_token"])
        return None

    def start_upload(self, repository):
        return self.request("POST", f"/v2/{repository}/blobs/uploads/", b"", repository=repository)["Location"]

    def finish_upload(self, repository, location, digest, data=b""):
        separator = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{separator}digest={urllib.parse.quote(digest)}", data,
                     {"Content-Type": "application/octet-stream"}, repository)

    def push_blob(self, repository, data):
        """A monolithic upload: POST, then PUT with the whole body and the digest."""
        self.finish_upload(repository, self.start_upload(repository), digest_of(data), data)

    def push_chunked(self, repository, chunks):
        """A chunked upload (POST, PATCH per chunk, PUT), hashing as it goes; returns (digest, size)."""
        location, offset, hasher = self.start_upload(repository), 0, hashlib.sha256()
        for chunk in chunks:
            hasher.update(chunk)
            headers = self.request("PATCH", location, chunk, {"Content-Type": "application/octet-stream",
                                                              "Content-Range": f"{offset}-{offset + len(chunk) - 1}"}, repository)
            location, offset = headers["Location"], offset + len(chunk)
        digest = "sha256:" + hasher.hexdigest()
        self.finish_upload(repository, location, digest)
        return digest, offset

    def push_manifest(self, repository, reference, data, media_type):
        self.request("PUT", f"/v2/{repository}/manifests/{reference}", data, {"Content-Type": media_type}, repository)

    def push(self, image):
        """Blobs first, then child manifests by digest, then the manifest under its tag."""
        for data, _ in image.all_blobs():
            self.push_blob(image.repository, data)
        for child in image.children:
            self.push_manifest(image.repository, child.digest, child.manifest, child.media_type)
        self.push_manifest(image.repository, image.tag, image.manifest, image.media_type)


def push_big_image(registry, mib, seed=STANDARD_SEED, repository="big/blob"):
    """`big/blob:1.0` (or `repository:1.0`): one uncompressed layer of `mib` MiB of seeded random
    bytes, streamed in chunks."""
    def chunks():
        rng, remaining = random.Random(f"big:{seed}:{repository}" if repository != "big/blob" else f"big:{seed}"), mib << 20
        while remaining:
            size = min(BIG_CHUNK, remaining)
            remaining -= size
            yield rng.randbytes(size)

    layer_digest, layer_size = registry.push_chunked(repository, chunks())
    config = canonical_json({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer_digest]}})
    registry.push_blob(repository, config)
    layer = {"mediaType": OCI_LAYER_UNCOMPRESSED, "digest": layer_digest, "size": layer_size}
    manifest = canonical_json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": descriptor(config, OCI_CONFIG), "layers": [layer]})
    registry.push_manifest(repository, "1.0", manifest, OCI_MANIFEST)
    return {"repository": repository, "tag": "1.0", "mediaType": OCI_MANIFEST, "digest": digest_of(manifest),
            "size": len(manifest), "blobs": [descriptor(config, OCI_CONFIG), layer], "children": []}


def seed_registry(url, user=None, password=None, big_mib=None, sized=(), seed=STANDARD_SEED):
    """Pushes the standard set made from `seed` (and big/blob with `big_mib`, and for each
    (repository, bytes) in `sized` a one-layer image `repository:1.0` whose layer holds that many
    random bytes, the same whatever the seed); returns {"images": [...]}."""
    registry = Registry(url, user, password)
    images = standard_images(seed) + [small_image(repository, layer_size=size) for repository, size in sized]
    for image in images:
        registry.push(image)
    described = [image.describe() for image in images]
    if big_mib:
        described.append(push_big_image(registry, big_mib))
    return {"images": described}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True, help="base URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--big-mib", type=int, help="also push big/blob:1.0 with a layer of this many MiB")
    args = parser.parse_args()
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    try:
        result = seed_registry(args.registry, args.user, args.password, args.big_mib)
    except PushError as error:
        sys.exit(f"imagegen: {error}")
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
