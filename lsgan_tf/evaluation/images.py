"""`score_images`: FID, KID, IS and precision / recall / density / coverage of any set of images
against another, or FID against saved statistics, as clean-fid and torch-fidelity score two
folders. This is how our samples are compared with another implementation's.

A source is a folder of image files (read in sorted order, converted to RGB, streamed in
batches so any number fits in memory; of any sizes), an .npz holding a uint8 image array
(N, H, W, C), or an .npz of statistics `mu` and `sigma` (the layout of TTUR and pytorch-fid).
Every image is resized to the network's 299x299 by a named mode (`resize`: legacy_tensorflow, the
2015 graph's own, or clean, clean-fid's; lsgan_tf/evaluation/resizing.py), recorded with the scores.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterator, List, Optional

import numpy as np
from PIL import Image

from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.features import InceptionFeatures
from lsgan_tf.evaluation.inception import INCEPTION_URL
from lsgan_tf.evaluation.resizing import resize_for_inception
from lsgan_tf.utils.provenance import provenance, utc_now

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
BATCH_SIZE = 50


def image_files(folder: str) -> List[str]:
    """The image files under `folder` (recursively), in sorted order."""
    found = [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
             if name.lower().endswith(IMAGE_SUFFIXES)]
    return sorted(found)


def _check_readable(files: List[str]) -> None:
    """Opens every image file's header (no decoding); FeatureError naming the first that fails."""
    for path in files:
        try:
            with Image.open(path):
                pass
        except (OSError, ValueError) as error:
            raise FeatureError(f"{path}: not a readable image ({error}).") from None


def _folder_batches(files: List[str], resize: str) -> Iterator[np.ndarray]:
    for start in range(0, len(files), BATCH_SIZE):
        batch = []
        for path in files[start:start + BATCH_SIZE]:
            try:
                with Image.open(path) as opened:
                    batch.append(resize_for_inception(np.asarray(opened.convert("RGB"))[None], resize)[0])
            except (OSError, ValueError) as error:
                raise FeatureError(f"{path}: not a readable image ({error}).") from None
        yield np.stack(batch)


def _array_batches(images: np.ndarray, resize: str) -> Iterator[np.ndarray]:
    for start in range(0, len(images), BATCH_SIZE):
        batch = images[start:start + BATCH_SIZE]
        yield resize_for_inception(np.repeat(batch, 3, axis=-1) if batch.shape[-1] == 1 else batch, resize)


class ScoredSource:
    """What a source gives the metrics: features and logits (images), or statistics alone.
    Making one checks the source (it exists, its kind, at least 2 readable images, the arrays of
    an .npz) without computing anything; `extract` computes the features, resizing by `resize`."""

    def __init__(self, path: str, resize: str = "legacy_tensorflow"):
        self.path, self.features, self.logits, self.stored = os.path.abspath(path), None, None, {}
        self._batches: Optional[Callable[[], Iterator[np.ndarray]]] = None
        if os.path.isdir(path):
            files = image_files(path)
            if len(files) < 2:
                raise FeatureError(f"{path} holds {len(files)} image file(s) ({', '.join(IMAGE_SUFFIXES)}); FID needs "
                                   f"at least 2.")
            _check_readable(files)
            self._batches, self.count = (lambda: _folder_batches(files, resize)), len(files)
            return
        if not path.endswith(".npz") or not os.path.isfile(path):
            raise FeatureError(f"{path} is neither a folder of images nor an .npz file.")
        try:
            self.mean, self.cov, self.stored = metrics.load_statistics(path)
            self.count = int(self.stored.get("num_samples", 0)) or None
            return
        except FeatureError:
            pass  # not statistics: an image array, or neither
        with np.load(path, allow_pickle=False) as stored:
            arrays = [stored[key] for key in stored.files if stored[key].ndim == 4 and stored[key].dtype == np.uint8]
        if not arrays or len(arrays[0]) < 2:
            raise FeatureError(f"{path} holds neither `mu` and `sigma` nor a uint8 (N, H, W, C) array of at least 2 "
                               f"images.")
        self._batches, self.count = (lambda: _array_batches(arrays[0], resize)), len(arrays[0])

    @property
    def holds_images(self) -> bool:
        """Whether the source is images (a folder, an image .npz), not saved statistics."""
        return self._batches is not None

    def extract(self, extractor: InceptionFeatures) -> None:
        """Computes the features, logits and statistics of an image source (statistics: nothing to do)."""
        if not self.holds_images:
            return
        self.features, self.logits = extractor.of_batches(self._batches(), self.count, batch_size=BATCH_SIZE,
                                                          description=os.path.basename(self.path))
        self.mean, self.cov = metrics.feature_statistics(self.features)


def score_images(images: str, reference: str, inception_weights: Optional[str] = None, cache_dir: str = "",
                 inception_url: str = INCEPTION_URL, resize: str = "legacy_tensorflow") -> Dict:
    """FID of `images` against `reference` (Heusel et al. 2017: the Frechet distance of Gaussians
    fitted to Inception pool_3 features); when both sides are images, KID (Binkowski et al. 2018)
    and precision, recall, density and coverage (Kynkaanniemi et al. 2019, Naeem et al. 2020);
    the Inception Score of `images` (Salimans et al. 2016) when the extractor gives logits.
    Both sources are checked before the extractor is fetched; statistics saved with another
    extractor's hash are refused."""
    scored, against = ScoredSource(images, resize), ScoredSource(reference, resize)
    extractor = InceptionFeatures(inception_weights, cache_dir, inception_url)
    for source in (scored, against):
        stored_hash = source.stored.get("extractor_sha256")
        if stored_hash and stored_hash != extractor.description["sha256"]:
            raise FeatureError(f"{source.path} was computed with another extractor (sha256 {stored_hash[:12]}...).")
        source.extract(extractor)
    if scored.mean.shape != against.mean.shape:
        raise FeatureError(f"{against.path} holds {against.mean.shape[0]}-d statistics but the extractor gives "
                           f"{scored.mean.shape[0]}-d features.")
    results = {
        "images": {"source": scored.path, "num_samples": scored.count},
        "reference": {**against.stored, "source": against.path, "num_samples": against.count},
        "fid": metrics.frechet_distance_from_statistics(scored.mean, scored.cov, against.mean, against.cov),
    }
    results.update(metrics.feature_set_scores(scored.features, scored.logits, against.features))
    results["conventions"] = metrics.conventions(resize)
    results["extractor"] = extractor.description
    results["versions"] = provenance()
    results["evaluated_utc"] = utc_now()
    return results


def save_image_statistics(images: str, out: str, inception_weights: Optional[str] = None, cache_dir: str = "",
                          inception_url: str = INCEPTION_URL, resize: str = "legacy_tensorflow") -> Dict:
    """Writes the Inception statistics (mu, sigma) of a folder or image .npz to `out`, with the
    extractor's hash and the resize mode, for later `score_images(..., reference=out)`."""
    source = ScoredSource(images, resize)
    if not source.holds_images:
        raise FeatureError(f"{images} holds statistics, not images: nothing to compute.")
    extractor = InceptionFeatures(inception_weights, cache_dir, inception_url)
    source.extract(extractor)
    metrics.save_statistics(out, source.mean, source.cov, num_samples=source.count,
                            extractor_sha256=extractor.description["sha256"], data_dir=source.path, resize=resize)
    return {"images": {"source": source.path, "num_samples": source.count}, "statistics": os.path.abspath(out),
            "conventions": metrics.conventions(resize), "extractor": extractor.description}
