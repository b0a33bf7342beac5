"""The library's own exceptions.

Every error a user can cause by what they pass in is one of these, with a
message that names the problem, so that nobody has to read a traceback from
deep inside numpy or an encoder to find out what went wrong.
"""

from __future__ import annotations


class AlignerError(Exception):
    """Base class of every error raised on purpose by aligner."""


class InputError(AlignerError, ValueError):
    """The texts or sentences given to the aligner cannot be used as they are."""


class LanguageError(AlignerError, ValueError):
    """A language code is unknown, or the language of a text cannot be told."""


class EncoderError(AlignerError, RuntimeError):
    """An encoder failed, or returned something other than unit vectors."""


class FormatError(AlignerError, ValueError):
    """A file in one of the alignment formats cannot be read."""


class AlignerWarning(UserWarning):
    """Something in the input looks wrong, though the alignment can still run.

    For example two documents whose lengths differ so much that they are
    probably not the same text. Silence it with
    ``warnings.simplefilter("ignore", aligner.errors.AlignerWarning)``.
    """


class ClusterError(AlignerError, RuntimeError):
    """A batch cannot run on the Dask cluster it was given (not installed, not reachable, lost)."""


class OutputError(AlignerError, OSError):
    """An output cannot be written: a batch's output folder (read-only, full, or in use by another batch), or
    the file a review server saves to.

    The message names the folder or the file, and what the system said.
    """
