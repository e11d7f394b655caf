"""PDF forms of the records derived from transactions (one per `derived.RECORDS`)."""

from . import pdf
from .derived import RECORDS

for record in RECORDS:
    pdf.register(record.pdf_form())
