"""Cat faces: landmark parsing, the alignment/crop computed by hand, and the converter's errors."""

import functools
import math
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lsgan_tf.data import cats
from tests.conftest import assert_quiet, run_script, user_env
from tests.fixtures import prepared_records, write_cat

# A level face: eye centre (200, 120), ear bases x = 100 and x = 300, so the face is 200 wide,
# the crop square starts at x = 200 - 100 = 100 and y = 120 - 2/5 * 200 = 40: box (100, 40, 300, 240).
LEVEL_POINTS = np.array([
    [150, 120], [250, 120], [200, 180],
    [100, 60], [120, 20], [140, 50],
    [260, 50], [280, 20], [300, 60],
], np.float64)
CENTER = np.array([200.0, 120.0])
TILT_DEGREES = 30.0


def tilted(points, degrees):
    """The landmarks of the same face turned clockwise on screen by `degrees` about the eyes."""
    a = math.radians(degrees)
    matrix = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return (points - CENTER) @ matrix.T + CENTER


def face_image(points, size=(400, 300)):
    """Grey background, a red marker on the left eye and a blue one on the right eye."""
    image = Image.new("RGB", size, (90, 90, 90))
    draw = ImageDraw.Draw(image)
    for (x, y), colour in zip(points[:2], [(255, 0, 0), (0, 0, 255)]):
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=colour)
    return np.asarray(image)


def test_level_face_box_by_hand():
    alignment = cats.align(LEVEL_POINTS, (400, 300))
    assert alignment.angle_degrees == pytest.approx(0.0)
    assert alignment.box == (100, 40, 300, 240)


def test_tilted_face_is_levelled_to_the_same_box():
    points = tilted(LEVEL_POINTS, TILT_DEGREES)
    # Hand check of the tilted eyes: (200 -+ 50 cos 30, 120 -+ 50 sin 30).
    np.testing.assert_allclose(points[1], [200 + 50 * math.cos(math.pi / 6), 145.0])
    alignment = cats.align(points, (400, 300))
    assert alignment.angle_degrees == pytest.approx(TILT_DEGREES)
    np.testing.assert_allclose(alignment.box, (100, 40, 300, 240), atol=1)  # int() of 99.999...
    np.testing.assert_allclose(
        cats.rotate_points(points, CENTER, math.radians(TILT_DEGREES)), LEVEL_POINTS, atol=1e-9
    )


def test_crop_puts_the_eyes_level_at_forty_percent_height():
    points = tilted(LEVEL_POINTS, TILT_DEGREES)
    face = cats.crop_face(Image.fromarray(face_image(points)), points, size=128)
    assert face.shape == (128, 128, 3)
    for channel, expected_x in ((0, 0.25 * 128), (2, 0.75 * 128)):
        mask = (face[..., channel] > 200) & (face[..., 1] < 80) & (face[..., 2 - channel] < 80)
        ys, xs = np.nonzero(mask)
        assert abs(xs.mean() - expected_x) < 2 and abs(ys.mean() - 0.4 * 128) < 2


def test_clamping_and_min_size():
    small = (LEVEL_POINTS - CENTER) * 0.5 + CENTER  # ears 100 apart: a 100-pixel face
    assert cats.crop_face(Image.fromarray(face_image(small)), small, min_size=128) is None
    near_edge = LEVEL_POINTS - [120, 0]  # eye centre x = 80: the square is clamped at x = 0
    alignment = cats.align(near_edge, (400, 300))
    assert alignment.box == (0, 40, 180, 240)


@pytest.mark.parametrize("text,problem", [("9 1 2 3", "found 4 numbers"), ("8 " + "1 " * 16, "found 17 numbers"), ("9 a b", "non-numbers")])
def test_bad_annotation_files(tmp_path, text, problem):
    path = tmp_path / "x.jpg.cat"
    path.write_text(text)
    with pytest.raises(cats.CatAnnotationError, match=problem):
        cats.parse_cat_file(str(path))


run_converter = functools.partial(run_script, "data_prep/cats.py")


@pytest.mark.slow
def test_converter_errors_skips_and_writes(tmp_path):
    src = tmp_path / "cats" / "CAT_00"
    points = tilted(LEVEL_POINTS, TILT_DEGREES)
    write_cat(str(src), "00000001_000.jpg", face_image(points), points)
    small = (LEVEL_POINTS - CENTER) * 0.5 + CENTER
    write_cat(str(src), "00000002_000.jpg", face_image(small), small)
    write_cat(str(src), "00000003_000.jpg", face_image(LEVEL_POINTS))  # no .cat file
    result = run_converter(f"--src={tmp_path / 'cats'}", f"--out={tmp_path / 'out'}")
    assert result.returncode == 1
    assert "00000003_000.jpg.cat: landmark file not found" in result.stderr
    assert not (tmp_path / "out").exists()

    result = run_converter(f"--src={tmp_path / 'cats'}", f"--out={tmp_path / 'out'}", "--skip_corrupt")
    assert result.returncode == 0, result.stderr
    assert "wrote 1 records, skipped 2" in result.stdout and "dropped 1 faces" in result.stdout
    images = [image for image, _ in prepared_records(str(tmp_path / "out"))]
    assert len(images) == 1 and images[0].shape == (128, 128, 3)

    result = run_converter(f"--src={tmp_path / 'cats'}", f"--out={tmp_path / 'png'}", "--skip_corrupt", "--format=png",
                           env=user_env())
    assert_quiet(result, "data_prep/cats.py")
    assert os.listdir(tmp_path / "png" / "images") == ["00000001_000.png"]
