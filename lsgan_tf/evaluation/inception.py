"""The standard FID network: the 2015-12-05 Inception graph (`classify_image_graph_def.pb` of
inception-2015-12-05.tgz) that TTUR's reference FID code, the improved-GAN Inception Score and,
through ports of it, pytorch-fid, clean-fid and torch-fidelity use.

`fetch_inception_graph` downloads the archive once with `keras.utils.get_file` into the cache
directory and keeps only the graph, written under a temporary name and moved into place when it
is complete and parses. `InceptionGraph` runs it: RGB images in [0, 255] of any size go in at the
graph's own input tensor (`ExpandDims:0`, after its JPEG decoder), so the graph's own bilinear
resize to 299x299 and its scaling to [-1, 1] apply as in TTUR; out come the 2048-d `pool_3`
features and the 1008 class logits of the Inception Score (pool_3 times the softmax layer's
weights, without its bias, as the improved-GAN code computes them).

No SHA-256 of the archive is published by its host or by the FID implementations that fetch it;
the hash of the graph that was used is recorded with every score instead. The fetch writes the
graph's SHA-256 beside it (`<graph>.sha256`); every later use checks the cached file against it,
and a damaged cache (a changed byte, a cut file) is announced in one line and fetched again.
"""

from __future__ import annotations

import os
import sys
import tarfile
from typing import Callable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf.errors import FeatureError
from lsgan_tf.utils.atomic import atomic_path, temporary_name, write_bytes
from lsgan_tf.utils.hashing import file_sha256

INCEPTION_URL = "https://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
INCEPTION_ARCHIVE_SHA256: Optional[str] = None  # none is published (see the module docstring)
INCEPTION_GRAPH_FILE = "classify_image_graph_def.pb"
CACHE_SUBDIR = "inception-2015-12-05"
INPUT_TENSOR = "ExpandDims:0"
POOL_TENSOR = "pool_3:0"
LOGITS_MATMUL = "softmax/logits/MatMul"


def cached_graph_path(cache_dir: str) -> str:
    """Where the fetched graph is kept in the cache directory."""
    return os.path.join(cache_dir, CACHE_SUBDIR, INCEPTION_GRAPH_FILE)


def _hash_path(graph: str) -> str:
    """The file beside a fetched graph that holds its SHA-256."""
    return graph + ".sha256"


def _cache_is_intact(target: str) -> bool:
    """Whether the cached graph has the SHA-256 recorded when it was fetched (a cache written
    before hashes were recorded is checked by parsing it, and its hash recorded then)."""
    recorded = _hash_path(target)
    if os.path.exists(recorded):
        with open(recorded) as handle:
            return handle.read().strip() == file_sha256(target)
    try:
        _read_graph_def(target)
    except FeatureError:
        return False
    write_bytes(recorded, file_sha256(target).encode("ascii"))
    return True


def _read_graph_def(path: str) -> tf.compat.v1.GraphDef:
    """The GraphDef in `path`, or FeatureError when it does not parse or lacks the tensors used here."""
    graph_def = tf.compat.v1.GraphDef()
    try:
        with open(path, "rb") as handle:
            graph_def.ParseFromString(handle.read())
    except Exception as error:  # protobuf's DecodeError, or an unreadable file
        raise FeatureError(f"{path} is not a TensorFlow GraphDef ({type(error).__name__}); pass the "
                           f"{INCEPTION_GRAPH_FILE} of inception-2015-12-05.tgz.") from None
    names = {node.name for node in graph_def.node}
    needed = [name.split(":")[0] for name in (INPUT_TENSOR, POOL_TENSOR, LOGITS_MATMUL)]
    missing = [name for name in needed if name not in names]
    if missing:
        raise FeatureError(f"{path} is not the 2015-12-05 Inception graph: it has no {missing} node(s).")
    return graph_def


def fetch_inception_graph(cache_dir: str, url: str = INCEPTION_URL,
                          sha256: Optional[str] = INCEPTION_ARCHIVE_SHA256,
                          log: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> str:
    """The path of the Inception graph in `cache_dir`, downloaded from `url` (a .tgz holding
    classify_image_graph_def.pb) when it is not there yet, or when the cached copy no longer has
    the SHA-256 recorded at its fetch (said to `log` in one line). The archive is checked against
    `sha256` when one is given; a download that fails, is cut short, does not match, or holds no
    valid graph raises a one-line FeatureError and leaves nothing in the cache."""
    target = cached_graph_path(cache_dir)
    if os.path.exists(target):
        if _cache_is_intact(target):
            return target
        log(f"the cached Inception graph {target} is damaged (its SHA-256 is not the one recorded when it was "
            f"fetched); fetching it again")
        for path in (target, _hash_path(target)):
            if os.path.exists(path):
                os.remove(path)
    folder = os.path.dirname(target)
    made = [path for path in (cache_dir, folder) if not os.path.isdir(path)]  # removed again if left empty
    os.makedirs(folder, exist_ok=True)
    archive_name = os.path.basename(temporary_name(os.path.basename(url) or "inception.tgz"))
    archive = os.path.join(folder, archive_name)
    try:
        try:
            keras.utils.get_file(archive_name, origin=url, file_hash=sha256, hash_algorithm="sha256",
                                 cache_dir=os.path.dirname(folder), cache_subdir=CACHE_SUBDIR, force_download=True)
        except ValueError as error:  # the hash does not match
            raise FeatureError(f"the Inception archive from {url} failed its check ({error}); "
                               f"nothing was kept.") from None
        except Exception as error:  # get_file re-raises URL failures as a plain Exception
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise FeatureError(
                f"could not download the Inception graph from {url} ({reason}). Without network, fetch that "
                f"file elsewhere, unpack it and pass --inception_weights=PATH/{INCEPTION_GRAPH_FILE}."
            ) from None
        with atomic_path(target) as temporary:
            try:
                with tarfile.open(archive, "r:gz") as opened:
                    member = next((m for m in opened
                                   if os.path.basename(m.name) == INCEPTION_GRAPH_FILE and m.isfile()), None)
                    if member is None:
                        raise FeatureError(f"the archive from {url} holds no {INCEPTION_GRAPH_FILE}; nothing was kept.")
                    with opened.extractfile(member) as source, open(temporary, "wb") as sink:
                        for block in iter(lambda: source.read(1 << 20), b""):
                            sink.write(block)
            except (tarfile.TarError, EOFError, OSError) as error:
                raise FeatureError(f"the archive from {url} is damaged or cut short ({type(error).__name__}: "
                                   f"{error}); nothing was kept.") from None
            _read_graph_def(temporary)
        write_bytes(_hash_path(target), file_sha256(target).encode("ascii"))
    finally:
        if os.path.exists(archive):
            os.remove(archive)
        for path in reversed(made):  # a failed first fetch leaves the cache as it was
            if os.path.isdir(path) and not os.listdir(path):
                os.rmdir(path)
    return target


class InceptionGraph:
    """The 2015-12-05 Inception graph as a TF2 function: [0, 255] RGB images -> (pool_3, logits)."""

    def __init__(self, path: str):
        graph_def = _read_graph_def(path)

        def imported(images):
            pool, matmul = tf.compat.v1.import_graph_def(
                graph_def, input_map={INPUT_TENSOR: images}, return_elements=[POOL_TENSOR, LOGITS_MATMUL],
                name="inception")
            features = tf.reshape(pool, (tf.shape(images)[0], pool.shape[-1]))
            return features, tf.matmul(features, matmul.inputs[1])

        self._function = tf.compat.v1.wrap_function(imported, [tf.TensorSpec((None, None, None, 3), tf.float32)])

    def __call__(self, images: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(pool_3 features, logits) of a batch of RGB images with values in [0, 255]."""
        features, logits = self._function(tf.convert_to_tensor(np.asarray(images, np.float32)))
        return features.numpy(), logits.numpy()
