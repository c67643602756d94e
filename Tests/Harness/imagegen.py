"""Deterministic test images, pushed to a registry over the real distribution push API.

Every byte comes from a seeded PRNG, so digests are the same on every run. Layers are real
gzip'd tars and configs carry correct diff_ids, so real clients can unpack what they pull.

    python3 imagegen.py --registry http://127.0.0.1:PORT [--user U --password P] [--big-mib N]

prints one JSON object: {"images": [{repository, tag, mediaType, digest, size, blobs, children}]}.
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import random
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_layer(rng, files=3, size=64 * 1024):
    """A gzip'd tar of `files` random files; returns (compressed bytes, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for i in range(files):
            data = rng.randbytes(size)
            info = tarfile.TarInfo(f"data/file-{i}.bin")
            info.size, info.mtime, info.uid, info.gid, info.mode = len(data), 0, 0, 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), sha256(tar_bytes)


class Image:
    """A manifest (or index) plus the blobs it needs, ready to push."""

    def __init__(self, repository, tag, media_type, manifest, blobs, children=(), platform=None):
        self.repository, self.tag, self.media_type = repository, tag, media_type
        self.manifest = json.dumps(manifest, indent=2).encode()
        self.blobs = blobs  # list of (bytes, mediaType)
        self.children = list(children)
        self.platform = platform

    def describe(self):
        blobs = {}
        for image in [self] + self.children:
            for data, media_type in image.blobs:
                blobs[sha256(data)] = {"digest": sha256(data), "size": len(data), "mediaType": media_type}
        out = {"repository": self.repository, "tag": self.tag, "mediaType": self.media_type,
               "digest": sha256(self.manifest), "size": len(self.manifest), "blobs": list(blobs.values())}
        if self.children:
            out["children"] = [child.describe() for child in self.children]
        if self.platform:
            out["platform"] = self.platform
        return out


def descriptor(data, media_type):
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data)}


def image_manifest(rng, repository, tag, flavour="oci", arch="amd64", layers=2):
    manifest_type, config_type, layer_type = (
        (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER) if flavour == "docker" else (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER))
    built = [make_layer(rng) for _ in range(layers)]
    config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/true"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in built]}}).encode()
    blobs = [(config, config_type)] + [(gz, layer_type) for gz, _ in built]
    manifest = {"schemaVersion": 2, "mediaType": manifest_type, "config": descriptor(config, config_type),
                "layers": [descriptor(gz, layer_type) for gz, _ in built]}
    return Image(repository, tag, manifest_type, manifest, blobs, platform=f"linux/{arch}")


def index(rng, repository, tag, arches):
    children = [image_manifest(rng, repository, tag, arch=arch) for arch in arches]
    manifest = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        dict(descriptor(child.manifest, OCI_MANIFEST), platform={"os": "linux", "architecture": arch})
        for child, arch in zip(children, arches)]}
    return Image(repository, tag, OCI_INDEX, manifest, [], children=children)


def helm_chart(rng, repository, tag):
    config = json.dumps({"name": "mychart", "version": tag, "apiVersion": "v2"}).encode()
    chart, _ = make_layer(rng, files=2, size=8 * 1024)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(config, HELM_CONFIG),
                "layers": [descriptor(chart, HELM_CHART)]}
    return Image(repository, tag, OCI_MANIFEST, manifest, [(config, HELM_CONFIG), (chart, HELM_CHART)])


def standard_set(seed=20261121):
    rng = random.Random(seed)
    return [
        image_manifest(rng, "app/docker-v2", "1.0", flavour="docker"),
        image_manifest(rng, "app/oci", "1.0"),
        index(rng, "app/multi", "1.0", ["amd64", "arm64"]),
        helm_chart(rng, "charts/mychart", "0.1.0"),
    ]


def single_image(repository, tag="1.0", seed=7, layer_size=256 * 1024):
    """One small OCI image, for fakes that serve a repository of their own."""
    rng = random.Random(seed)
    layer, diff = make_layer(rng, files=1, size=layer_size)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(config, OCI_CONFIG),
                "layers": [descriptor(layer, OCI_LAYER)]}
    return Image(repository, tag, OCI_MANIFEST, manifest, [(config, OCI_CONFIG), (layer, OCI_LAYER)])


class Registry:
    """The push side of the distribution API, with Basic or Bearer auth read from the challenge."""

    def __init__(self, base, user=None, password=None):
        self.base, self.user, self.password = base.rstrip("/"), user, password
        self.tokens = {}

    def basic(self):
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def authorization(self, challenge, repository):
        if challenge.lower().startswith("basic"):
            return self.basic()
        params = dict(part.split("=", 1) for part in challenge[len("Bearer "):].replace('"', "").split(","))
        scope = f"repository:{repository}:pull,push"
        if scope not in self.tokens:
            query = urllib.parse.urlencode({"service": params.get("service", ""), "scope": scope})
            request = urllib.request.Request(f"{params['realm']}?{query}", headers={"Authorization": self.basic()})
            with urllib.request.urlopen(request) as response:
                body = json.load(response)
            self.tokens[scope] = "Bearer " + (body.get("access_token") or body["token"])
        return self.tokens[scope]

    def request(self, method, url, repository, data=None, headers=None, auth=None):
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = auth
        request = urllib.request.Request(url if url.startswith("http") else self.base + url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            if error.code == 401 and auth is None and self.user:
                return self.request(method, url, repository, data, headers,
                                    self.authorization(error.headers["WWW-Authenticate"], repository))
            raise RuntimeError(f"{method} {url}: {error.code} {error.read()[:300]!r}") from None

    def push_blob(self, repository, data):
        digest = sha256(data)
        auth = self._auth(repository)
        _, headers, _ = self.request("POST", f"/v2/{repository}/blobs/uploads/", repository, data=b"", auth=auth)
        location = headers["Location"]
        separator = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{separator}digest={urllib.parse.quote(digest)}", repository, data=data,
                     headers={"Content-Type": "application/octet-stream"}, auth=auth)

    def push_chunks(self, repository, chunks, digest):
        """A chunked upload (POST, PATCH…, PUT) of a blob too big to hold in memory."""
        auth = self._auth(repository)
        _, headers, _ = self.request("POST", f"/v2/{repository}/blobs/uploads/", repository, data=b"", auth=auth)
        location = headers["Location"]
        offset = 0
        for chunk in chunks:
            _, headers, _ = self.request("PATCH", location, repository, data=chunk, auth=auth, headers={
                "Content-Type": "application/octet-stream", "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
            location, offset = headers["Location"], offset + len(chunk)
        separator = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{separator}digest={urllib.parse.quote(digest)}", repository, data=b"", auth=auth)

    def push_manifest(self, repository, reference, data, media_type):
        self.request("PUT", f"/v2/{repository}/manifests/{reference}", repository, data=data,
                     headers={"Content-Type": media_type}, auth=self._auth(repository))

    def _auth(self, repository):
        """Authenticates up front by probing once (a push body cannot be replayed after a 401)."""
        request = urllib.request.Request(f"{self.base}/v2/{repository}/tags/list")
        try:
            urllib.request.urlopen(request).read()
            return None
        except urllib.error.HTTPError as error:
            if error.code == 401 and self.user:
                return self.authorization(error.headers["WWW-Authenticate"], repository)
            return None

    def push(self, image):
        for child in image.children:
            self._push_manifest_with_blobs(child, reference=sha256(child.manifest))
        self._push_manifest_with_blobs(image, reference=image.tag)

    def _push_manifest_with_blobs(self, image, reference):
        for data, _ in image.blobs:
            self.push_blob(image.repository, data)
        self.push_manifest(image.repository, reference, image.manifest, image.media_type)


def big_image(registry, mib, seed=99):
    """`big/blob:1.0`: one layer of `mib` MiB of seeded random bytes, generated twice instead of held."""
    def chunks():
        rng = random.Random(seed)
        for _ in range(mib):
            yield rng.randbytes(1 << 20)

    hasher = hashlib.sha256()
    for chunk in chunks():
        hasher.update(chunk)
    digest, size = "sha256:" + hasher.hexdigest(), mib << 20
    registry.push_chunks("big/blob", chunks(), digest)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [digest]}}).encode()
    registry.push_blob("big/blob", config)
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(config, OCI_CONFIG),
                           "layers": [layer]}).encode()
    registry.push_manifest("big/blob", "1.0", manifest, OCI_MANIFEST)
    return {"repository": "big/blob", "tag": "1.0", "mediaType": OCI_MANIFEST, "digest": sha256(manifest),
            "size": len(manifest), "blobs": [descriptor(config, OCI_CONFIG), layer]}


def seed(registry_url, user=None, password=None, big_mib=None):
    registry = Registry(registry_url, user, password)
    images = standard_set()
    for image in images:
        registry.push(image)
    described = [image.describe() for image in images]
    if big_mib:
        described.append(big_image(registry, big_mib))
    return {"images": described}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--big-mib", type=int)
    args = parser.parse_args()
    json.dump(seed(args.registry, args.user, args.password, args.big_mib), sys.stdout)
    print()


if __name__ == "__main__":
    main()
