"""qdocgen keeps numpy out of the process (qdocgen/lean_imports.py) without changing openpyxl's behaviour."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess:
    """`code` run by a new Python with this checkout on its path (nothing else of the environment)."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )


def _lines(code: str) -> list[str]:
    """What `code` printed, one item a line; the test fails with its error output if it failed."""
    out = _run(code)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_a_build_command_never_imports_numpy_and_openpyxl_takes_the_plain_number_types():
    code = (
        "import importlib.util, sys, qdocgen, openpyxl\n"
        "from openpyxl.compat.numbers import NUMERIC_TYPES, NUMPY\n"
        "assert importlib.util.find_spec('openpyxl.compat.numbers') is not None\n"
        "assert openpyxl.compat.numbers.NUMERIC_TYPES is NUMERIC_TYPES\n"
        "from qdocgen.render.xlsx import engine\n"
        "print('numpy' in sys.modules, NUMPY, [t.__name__ for t in NUMERIC_TYPES])\n"
        "import numpy\n"  # still importable by whoever wants it
        "print(numpy.__name__)\n"
    )
    out = _run(code)
    if "No module named 'numpy'" in out.stderr:  # numpy not installed here: the first line is what matters
        first = out.stdout.splitlines()[0]
    else:
        assert out.returncode == 0, out.stderr
        first, second = out.stdout.splitlines()
        assert second == "numpy"
    assert first == "False False ['int', 'float', 'Decimal']"


def test_a_workbook_written_with_the_plain_number_types_keeps_its_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append([1, 2.5, Decimal("3.25"), True, "4"])
    wb.save(tmp_path / "n.xlsx")
    row = [c.value for c in openpyxl.load_workbook(tmp_path / "n.xlsx").active[1]]
    assert row == [1, 2.5, 3.25, True, "4"]


def test_openpyxl_imports_pillow_only_for_a_picture(tmp_path):
    """Pillow is imported when a workbook with a picture is read or written, not before; the
    picture reads back as without the stand-in."""
    code = (
        "import io, sys, qdocgen, openpyxl\n"
        "from openpyxl.drawing import image\n"
        "from openpyxl.reader import drawings\n"
        "print('PIL.Image' in sys.modules, bool(image.PILImage), drawings.PILImage is image.PILImage)\n"
        "from qdocgen.render.xlsx import engine\n"
        "wb = openpyxl.Workbook()\n"
        "wb.active['A1'] = 1\n"
        "buf = io.BytesIO(); wb.save(buf); openpyxl.load_workbook(buf)\n"
        "print('PIL.Image' in sys.modules)\n"
        "from PIL import Image as PILImage\n"
        "pic = io.BytesIO(); PILImage.new('RGB', (3, 2), 'red').save(pic, format='PNG')\n"
        "wb.active.add_image(image.Image(pic), 'B2')\n"
        "out = io.BytesIO(); wb.save(out)\n"
        "back = openpyxl.load_workbook(out).active._images\n"
        "print(len(back), back[0].width, back[0].height, back[0].format)\n"
    )
    assert _lines(code) == ["False True True", "False", "1 3 2 png"]


def test_openpyxl_builtin_styles_are_made_when_first_used():
    """openpyxl's built-in named styles are parsed only when a cell is given one by name, and are
    then those of openpyxl's own module (compared with a process without qdocgen)."""
    use = (
        "wb.active['A1'].style = 'Good'\n"
        "print(len(builtins.styles), 'Good' in builtins.styles, builtins.styles['Good'].font.color.rgb)\n"
        "print(builtins.good[:6], sorted(builtins.styles), builtins.styles.get('Bad').name)\n"
        "out = io.BytesIO(); wb.save(out)\n"
        "print(openpyxl.load_workbook(out).active['A1'].style, out.getvalue().count(b'Good'))\n"
    )
    ours = (
        "import io, sys, qdocgen, openpyxl\n"
        "from openpyxl.styles import builtins\n"
        "print(dict.__len__(builtins.styles))\n"  # nothing made yet
        "from qdocgen.render.xlsx import engine\n"
        "wb = openpyxl.Workbook(); wb.active['A1'] = 1\n"
        "buf = io.BytesIO(); wb.save(buf); openpyxl.load_workbook(buf)\n"
        "print(dict.__len__(builtins.styles))\n"  # a workbook written and read: still nothing
        "print(builtins.qdocgen_ran)\n"  # nor was the module run (`from … import styles` asks `__path__`)
    ) + use
    theirs = "import io, openpyxl\nfrom openpyxl.styles import builtins\nwb = openpyxl.Workbook()\n" + use
    got = []
    for code in (ours, theirs):
        got.append(_lines(code))
    assert got[0][:3] == ["0", "0", "False"]
    assert got[0][3:] == got[1]
    assert got[1][0].endswith("True FF006100")


def test_openpyxl_content_types_do_not_need_the_system_mime_database():
    """openpyxl's manifest module is loaded without reading the system's MIME files, its own maps
    are those of a process without qdocgen (where reading them comes first), and mimetypes still
    reads them for whoever asks it."""
    show = (
        "from openpyxl.packaging import manifest\n"
        "print(sorted(manifest.mimetypes.types_map[True].items()), sorted(manifest.mimetypes.types_map[False].items()))\n"
    )
    ours = (
        "import mimetypes, qdocgen, openpyxl\n"
        "from qdocgen.render.xlsx import engine\n"
        "print(mimetypes.inited, mimetypes._db is None)\n"
        "mimetypes.guess_type('a.xml')\n"
        "print(mimetypes.inited, mimetypes._db is None)\n"
    ) + show
    theirs = "import mimetypes, openpyxl\nprint(mimetypes.inited)\n" + show
    got = []
    for code in (ours, theirs):
        got.append(_lines(code))
    assert got[0][:2] == ["False True", "True False"]
    assert got[1][0] == "True"  # (openpyxl alone initialises mimetypes)
    assert got[0][2] == got[1][1]
    assert "'.xml', 'application/xml'" in got[0][2]


def test_a_reporting_form_is_made_without_the_template_engine():
    """A worker that makes only forms does not import the Excel template engine (render/xlsx's
    names are imported when asked for), and asking for them still gives them."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qdocgen.documents import catalog\n"
        "from qdocgen.workspace import Workspace\n"
        "ws = Workspace(data_dir=Path('plan_data'))\n"
        "job = next(j for j in catalog.all_jobs(ws) if '填报表' in j.path)\n"
        "data = job.made(job.prepare())\n"
        "print(data[:2], 'qdocgen.render.xlsx.engine' in sys.modules)\n"
        "from qdocgen.render.xlsx import MAX_ROWS, PreparedXlsx, put_value, text_lines\n"
        "from qdocgen.render.xlsx.engine import PreparedXlsx as direct\n"
        "print(PreparedXlsx is direct, MAX_ROWS > 0, callable(put_value), callable(text_lines))\n"
        "import qdocgen.render.xlsx as package\n"
        "print(hasattr(package, 'no_such_name'))\n"
    )
    assert _lines(code) == ["b'PK' False", "True True True True", "False"]
