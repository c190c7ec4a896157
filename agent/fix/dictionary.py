"""The OMS-side data dictionary: QuickFIX's FIX 4.4 with our business checks moved to the engine.

QuickFIX rejects at session level any message missing a required field or carrying a value outside
a field's enumeration. For parent orders the OMS should instead get an ExecutionReport reject whose
Text names the problem, and custom TargetStrategy(847) values (1000+) must pass. So, for the order
messages only ClOrdID stays required, and the enumerations of the fields we validate ourselves go.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import fix_config

ORDER_MESSAGES = ("D", "F", "G", "H", "q")
KEEP_REQUIRED = {"ClOrdID"}
OPEN_ENUMS = {"Side", "OrdType", "TimeInForce", "TargetStrategy", "MassCancelRequestType"}


def build_oms_dictionary(dest: Path, base: Path | None = None) -> Path:
    """Write the derived dictionary to `dest` and return it."""
    tree = ET.parse(base or fix_config.quickfix_spec("FIX44"))
    root = tree.getroot()
    messages = root.find("messages")
    fields = root.find("fields")
    if messages is None or fields is None:
        raise ValueError("not a QuickFIX data dictionary: no <messages> or <fields>")
    for message in messages.findall("message"):
        if message.get("msgtype") not in ORDER_MESSAGES:
            continue
        for element in message.iter():
            if element is message:
                continue
            if element.get("required") == "Y" and element.get("name") not in KEEP_REQUIRED:
                element.set("required", "N")
    for field in fields.findall("field"):
        if field.get("name") in OPEN_ENUMS:
            for value in list(field.findall("value")):
                field.remove(value)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tree.write(dest, encoding="unicode")
    return dest
