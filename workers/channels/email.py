"""E-mail over SMTP (STARTTLS or TLS when configured), a few connections kept open.

Once at most, even when the worker dies at any instant: the message body goes out, then
the notice is recorded as sent (`commit`), then the end-of-data mark. A worker killed
before the record leaves the server an unfinished message, which it drops, so the notice
may be sent again; killed after it, the mark is already in the socket's buffer (the
window between the two is the few microseconds of handing five bytes to the kernel).
Several messages travel side by side on their own connections, so one record commit
serves them all and their round trips overlap."""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from workers.channels import Message, PermanentFailure, TransientFailure

PARALLEL = 8  # connections, each with one message in flight: one record commit for them all


def _header(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


class EmailChannel:
    name = "email"
    resumable = True

    def __init__(self, settings: Any):
        self.s = settings
        self._pool: list[smtplib.SMTP | None] = [None] * PARALLEL
        name, self.sender = parseaddr(settings.smtp_from)
        self._from = formataddr((name, self.sender), charset="utf-8")

    def address(self, contact: dict[str, Any]) -> str | None:
        return contact.get("email")

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.s.smtp_ca_file)

    def _connection(self, slot: int) -> smtplib.SMTP:
        smtp = self._pool[slot]
        if smtp is None:
            s = self.s
            if s.smtp_tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=15, context=self._tls())
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15)
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=self._tls())
            smtp.ehlo_or_helo_if_needed()
            # The end-of-data mark goes out alone (after the record): without this Nagle's algorithm
            # holds it back for the server's delayed ACK, ~40 ms a message.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            self._pool[slot] = smtp
        return smtp

    def close(self) -> None:
        for slot, smtp in enumerate(self._pool):
            if smtp is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
                self._pool[slot] = None

    def _drop(self, slot: int) -> None:
        smtp, self._pool[slot] = self._pool[slot], None
        if smtp is not None:
            smtp.close()

    def render(self, message: Message) -> bytes:
        """The message as sent: headers (RFC 2047 where not ASCII) and a base64 UTF-8 body, built
        directly (the email package's folding cost more than the sending)."""
        body = f"{message.text['body_zh']}\n\n— {message.text['title_en']}\n{message.text['body_en']}\n"
        encoded = base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")
        head = (f"Subject: {_header(message.text['title_zh'])}\r\nFrom: {self._from}\r\nTo: {message.to}\r\n"
                f"Date: {formatdate(localtime=False)}\r\nMessage-ID: <{message.message_id}@qihui.notices>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n")
        return head.encode("ascii") + encoded

    def send(self, message: Message, commit: Callable[[], None]) -> None:
        failure = self.send_batch([message], lambda _sent: commit())[0]
        if failure is not None:
            raise failure

    def send_batch(self, messages: list[Message],
                   commit: Callable[[list[int]], None]) -> list[TransientFailure | PermanentFailure | None]:
        """Up to PARALLEL messages at a time, one connection each, every SMTP step sent on all of
        them before any answer is awaited; then one `commit` (the indices about to be accepted)
        before their end-of-data marks. Returns each message's failure, or None once sent."""
        results: list[TransientFailure | PermanentFailure | None] = [None] * len(messages)
        for start in range(0, len(messages), PARALLEL):
            self._chunk(messages, list(range(start, min(start + PARALLEL, len(messages)))), results, commit)
        return results

    def _chunk(self, messages: list[Message], indices: list[int], results: list[Any],
               commit: Callable[[list[int]], None]) -> None:
        live: dict[int, tuple[int, smtplib.SMTP]] = {}

        def fail(i: int, exc: Exception) -> None:
            results[i] = exc if isinstance(exc, TransientFailure | PermanentFailure) else TransientFailure(
                f"smtp: {type(exc).__name__}: {exc}")
            self._drop(live.pop(i)[0])  # the transaction is half done: a fresh connection next time

        def each(act: Callable[[int, smtplib.SMTP], None]) -> None:
            for i, (_, smtp) in list(live.items()):
                try:
                    act(i, smtp)
                except (smtplib.SMTPException, OSError, TransientFailure, PermanentFailure) as exc:
                    fail(i, exc)

        for slot, i in enumerate(indices):
            try:
                live[i] = (slot, self._connection(slot))
            except (smtplib.SMTPException, OSError) as exc:
                results[i] = TransientFailure(f"smtp: {type(exc).__name__}: {exc}")
                self._drop(slot)
        for command, ok in ((lambda m: ("mail", f"FROM:<{self.sender}>"), (250,)),
                            (lambda m: ("rcpt", f"TO:<{m.to}>"), (250, 251)), (lambda m: ("data", ""), (354,))):
            each(lambda i, smtp, command=command: smtp.putcmd(*command(messages[i])))
            each(lambda i, smtp, ok=ok: _check(*smtp.getreply(), ok))
        each(lambda i, smtp: smtp.send(self.render(messages[i])))  # base64 lines: none starts with a dot
        if not live:
            return
        try:
            commit(sorted(live))  # the point of no return: recorded as sent before the server may accept them
        except Exception:
            for i in list(live):  # not recorded: the servers never get the end of these messages
                fail(i, TransientFailure("the sent-once record could not be written"))
            raise
        each(lambda i, smtp: smtp.send(b".\r\n"))
        each(lambda i, smtp: _check(*smtp.getreply(), (250,)))


def _check(code: int, reply: bytes, ok: tuple[int, ...]) -> None:
    if code in ok:
        return
    text = f"smtp {code}: {reply.decode(errors='replace')}"
    raise PermanentFailure(text) if 500 <= code < 600 else TransientFailure(text)
