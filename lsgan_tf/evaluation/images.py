"""`score_images`: FID, KID and IS of any set of images against another, or against saved
statistics, as clean-fid and torch-fidelity score two folders. This is how our samples are
compared with another implementation's.

A source is a folder of image files (read in sorted order, converted to RGB, streamed in
batches so any number fits in memory; all of one size), an .npz holding a uint8 image array
(N, H, W, C), or an .npz of statistics `mu` and `sigma` (the layout of TTUR and pytorch-fid).
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
from PIL import Image

from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.features import InceptionFeatures
from lsgan_tf.evaluation.inception import INCEPTION_URL
from lsgan_tf.utils.provenance import provenance, utc_now

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
BATCH_SIZE = 50


def image_files(folder: str) -> List[str]:
    """The image files under `folder` (recursively), in sorted order."""
    found = [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
             if name.lower().endswith(IMAGE_SUFFIXES)]
    return sorted(found)


def _folder_size(files: List[str]) -> Tuple[int, int]:
    """The (width, height) shared by every image file, read from their headers alone; FeatureError
    naming the first file that cannot be opened or has another size."""
    size = None
    for path in files:
        try:
            with Image.open(path) as opened:
                shape = opened.size
        except (OSError, ValueError) as error:
            raise FeatureError(f"{path}: not a readable image ({error}).") from None
        size = size or shape
        if shape != size:
            raise FeatureError(f"{path} is {shape[0]}x{shape[1]} but {files[0]} is {size[0]}x{size[1]}; "
                               f"score images of one size.")
    return size


def _folder_batches(files: List[str]) -> Iterator[np.ndarray]:
    for start in range(0, len(files), BATCH_SIZE):
        batch = []
        for path in files[start:start + BATCH_SIZE]:
            try:
                with Image.open(path) as opened:
                    batch.append(np.asarray(opened.convert("RGB")))
            except (OSError, ValueError) as error:
                raise FeatureError(f"{path}: not a readable image ({error}).") from None
        yield np.stack(batch)


def _array_batches(images: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, len(images), BATCH_SIZE):
        yield images[start:start + BATCH_SIZE]


class ScoredSource:
    """What a source gives the metrics: features and logits (images), or statistics alone.
    Making one checks the source (it exists, its kind, at least 2 images of one size, the arrays
    of an .npz) without computing anything; `extract` computes the features."""

    def __init__(self, path: str):
        self.path, self.features, self.logits, self.stored = os.path.abspath(path), None, None, {}
        self._batches: Optional[Callable[[], Iterator[np.ndarray]]] = None
        if os.path.isdir(path):
            files = image_files(path)
            if len(files) < 2:
                raise FeatureError(f"{path} holds {len(files)} image file(s) ({', '.join(IMAGE_SUFFIXES)}); FID needs at least 2.")
            _folder_size(files)
            self._batches, self.count = (lambda: _folder_batches(files)), len(files)
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
            raise FeatureError(f"{path} holds neither `mu` and `sigma` nor a uint8 (N, H, W, C) array of at least 2 images.")
        self._batches, self.count = (lambda: _array_batches(arrays[0])), len(arrays[0])

    @property
    def holds_images(self) -> bool:
        """Whether the source is images (a folder, an image .npz), not saved statistics."""
        return self._batches is not None

    def extract(self, extractor: InceptionFeatures) -> None:
        """Computes the features, logits and statistics of an image source (statistics: nothing to do)."""
        if not self.holds_images:
            return
        self.features, self.logits = extractor.of_batches(self._batches(), self.count, pixel_range=(0.0, 255.0),
                                                          batch_size=BATCH_SIZE, description=os.path.basename(self.path))
        self.mean, self.cov = metrics.feature_statistics(self.features)


def score_images(images: str, reference: str, inception_weights: Optional[str] = None, cache_dir: str = "",
                 inception_url: str = INCEPTION_URL) -> Dict:
    """FID of `images` against `reference` (Heusel et al. 2017: the Frechet distance of Gaussians
    fitted to Inception pool_3 features), KID when both sides are images (Binkowski et al. 2018),
    and the Inception Score of `images` (Salimans et al. 2016) when the extractor gives logits.
    Both sources are checked before the extractor is fetched; statistics saved with another
    extractor's hash are refused."""
    scored, against = ScoredSource(images), ScoredSource(reference)
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
    if scored.features is not None and against.features is not None:
        results.update(metrics.kernel_inception_distance(scored.features, against.features))
    if scored.logits is not None:
        results.update(metrics.inception_score(scored.logits, num_splits=10 if len(scored.logits) >= 5000 else 1))
    results["extractor"] = extractor.description
    results["versions"] = provenance()
    results["evaluated_utc"] = utc_now()
    return results


def save_image_statistics(images: str, out: str, inception_weights: Optional[str] = None, cache_dir: str = "",
                          inception_url: str = INCEPTION_URL) -> Dict:
    """Writes the Inception statistics (mu, sigma) of a folder or image .npz to `out`, with the
    extractor's hash, for later `score_images(..., reference=out)`."""
    source = ScoredSource(images)
    if not source.holds_images:
        raise FeatureError(f"{images} holds statistics, not images: nothing to compute.")
    extractor = InceptionFeatures(inception_weights, cache_dir, inception_url)
    source.extract(extractor)
    metrics.save_statistics(out, source.mean, source.cov, num_samples=source.count,
                            extractor_sha256=extractor.description["sha256"], data_dir=source.path)
    return {"images": {"source": source.path, "num_samples": source.count}, "statistics": os.path.abspath(out),
            "extractor": extractor.description}
