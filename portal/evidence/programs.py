"""Running poppler and Tesseract: a missing program, a timeout or a failure becomes an
ExtractionError with a Thai reason."""
import os
import subprocess

from portal.evidence.readers import ExtractionError

ONE_THREAD = {"OMP_THREAD_LIMIT": "1"}  # Tesseract with OpenMP threads: 7.6 s for an A4 page, not 1.1 s, on 2 cores


def run_tool(command: list[str], timeout: int = 300) -> bytes:
    """Run poppler or Tesseract; a missing program is the administrator's problem, not the file's."""
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, env={**os.environ, **ONE_THREAD},
                                stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ExtractionError(f"ระบบยังไม่ได้ติดตั้งโปรแกรม {command[0]} กรุณาแจ้งผู้ดูแลระบบ") from None
    except subprocess.TimeoutExpired:
        raise ExtractionError(f"โปรแกรม {command[0]} ใช้เวลานานเกิน {timeout} วินาที") from None
    if result.returncode != 0:
        raise ExtractionError(f"โปรแกรม {command[0]} อ่านไฟล์ไม่สำเร็จ: "
                              + result.stderr.decode("utf-8", "replace").strip()[-200:])
    return result.stdout
