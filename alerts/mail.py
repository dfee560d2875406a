"""The email channel: one multipart/alternative message (text first, then HTML) over SMTP."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import quote

from wallwatch.config import Config, DigestConfig
from wallwatch.errors import DeliveryError

from .channel import Message
from .render import Digest, render_html, render_text


def unsubscribe_target(digest: DigestConfig, sender: str) -> str:
    """The digest's ``unsubscribe`` setting, else a mailto: to the sender."""
    if digest.unsubscribe:
        return digest.unsubscribe
    address = parseaddr(sender)[1] or sender
    return f"mailto:{address}?subject={quote(f'unsubscribe {digest.name}')}"


def build_email(digest: Digest, config: DigestConfig, sender: str) -> EmailMessage:
    """The message for ``digest``: subject with counts, List-Unsubscribe, text then HTML."""
    unsubscribe = unsubscribe_target(config, sender)
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = ", ".join(config.to)
    msg["Date"] = format_datetime(digest.generated)
    domain = (parseaddr(sender)[1].rpartition("@")[2]) or "wallwatch.invalid"
    msg["Message-ID"] = make_msgid("wallwatch", domain=domain)
    msg["List-Id"] = f"wallwatch {config.name} <{config.name}.wallwatch.{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    if unsubscribe.startswith("https:"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_text(digest, unsubscribe=unsubscribe))
    msg.add_alternative(render_html(digest, unsubscribe=unsubscribe), subtype="html")
    return msg


class EmailChannel:
    """SMTP with STARTTLS, implicit TLS or none; login with the password from the environment."""

    name = "email"

    def __init__(self, config: Config, digest: DigestConfig, env: Mapping[str, str]):
        self.smtp = config.smtp
        self.digest = digest
        if not self.smtp.host:
            raise DeliveryError(f"digest {digest.name!r}: email is off: [smtp] host is not set in the config")
        self.password = None
        if self.smtp.username:
            self.password = env.get(self.smtp.password_env)
            if not self.password:
                raise DeliveryError(f"digest {digest.name!r}: email is off: [smtp] username is set but "
                                    f"${self.smtp.password_env} (its password) is not")
        self.sender = self.smtp.sender or self.smtp.username or f"wallwatch@{socket.getfqdn()}"
        self.cafile = str(config.resolve(self.smtp.ca_file)) if self.smtp.ca_file else None

    def plan(self, digest: Digest) -> list[Message]:
        return [Message(digest.stories, build_email(digest, self.digest, self.sender))]

    def send(self, message: Message) -> str:
        msg: EmailMessage = message.payload
        smtp = self.smtp
        where = f"SMTP {smtp.host}:{smtp.port}"
        try:
            context = ssl.create_default_context(cafile=self.cafile)
            if smtp.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                                         context=context)
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
            with client:
                client.ehlo()
                if smtp.security == "starttls":
                    client.starttls(context=context)
                    client.ehlo()
                if smtp.username:
                    client.login(smtp.username, self.password or "")
                refused = client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"{where} refused every recipient: {', '.join(exc.recipients)}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{where}: login as {smtp.username} failed ({exc.smtp_code})") from None
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from None
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"{where}: cannot connect or talk: {exc}") from None
        ref = str(msg["Message-ID"])
        if refused:
            # Accepted for the others: re-sending would repeat it to them.
            ref += f" (refused: {', '.join(refused)})"
        return ref
