"""Each notice channel against a local stand-in of its gateway: e-mail over STARTTLS to a
real SMTP server, SMS to a gateway shaped like the common Chinese SMS APIs, WeChat
template messages with the access token fetched and refreshed. Success, rate limits and
invalid recipients are answered as the real gateways answer them."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qihui.settings import Settings
from tests.fake_gateways import SmsGateway, SmtpServer, WechatGateway
from workers.channels import Message, PermanentFailure, TransientFailure, configured
from workers.channels.email import EmailChannel
from workers.channels.sms import SmsChannel
from workers.channels.wechat import WechatChannel

TEXT = {"title_zh": "候补递补成功：人工智能小集会", "body_zh": "您单位已递补为正式参会单位。",
        "title_en": "Promoted from the waitlist", "body_en": "A seat freed."}


def settings(tmp_path, **env) -> Settings:
    return Settings.from_env({"QIHUI_DATA_DIR": str(tmp_path / "var"),
                              "QIHUI_SECRET_KEY": "test-secret-key-0123456789abcdef-tokens",
                              "QIHUI_CHAIN_KEY": "test-chain-key-0123456789abcdef-hash-chain", **env})


def message(to: str, kind: str = "promoted") -> Message:
    return Message(message_id="5b0e6d7e-1c1f-4d39-8f86-1d7a0b0d9c11", kind=kind, to=to, text=TEXT,
                   values={"title": "人工智能小集会"})


class Commits:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_without_settings_every_channel_is_off_and_says_what_is_missing(tmp_path):
    status = settings(tmp_path).notice_channels()
    assert status["inbox"] == "on"
    assert status["email"] == "off (not configured: QIHUI_SMTP_HOST, QIHUI_SMTP_FROM)"
    assert status["sms"].startswith("off") and "QIHUI_SMS_SECRET" in status["sms"]
    assert status["wechat"].startswith("off") and configured(settings(tmp_path)) == {}
    with pytest.raises(ValueError, match="QIHUI_SMTP_TLS"):
        settings(tmp_path, QIHUI_SMTP_TLS="sometimes")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_ready_names_the_channels_that_are_off(client):
    assert client.get("/ready").json()["notices"]["sms"].startswith("off (not configured")


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


def test_email_goes_over_starttls_and_a_server_refusing_plain_text_gets_nothing(tmp_path):
    context, cert = _certificate(tmp_path)
    server = SmtpServer(tls_context=context).start()
    try:
        secure = EmailChannel(settings(tmp_path, **server.env(QIHUI_SMTP_TLS="starttls", QIHUI_SMTP_CA_FILE=str(cert))))
        commits = Commits()
        secure.send(message("wang.fang@qiye.example.cn"), commits)
        secure.send(message("li.na@qiye.example.cn"), commits)  # the same connection, still encrypted
        assert commits.count == 2 and [m["To"] for m in server.wait_for(2)] == [
            "wang.fang@qiye.example.cn", "li.na@qiye.example.cn"]
        mail = server.messages[0]
        assert mail["Subject"] == TEXT["title_zh"] and mail["Message-ID"].startswith("<5b0e6d7e")
        assert "您单位已递补" in mail.get_content() and "A seat freed." in mail.get_content()
        secure.close()
        # Without STARTTLS the server refuses the mail: nothing is delivered, nothing committed.
        plain = EmailChannel(settings(tmp_path, **server.env()))
        with pytest.raises(PermanentFailure):
            plain.send(message("wang.fang@qiye.example.cn"), commits)
        assert commits.count == 2 and len(server.messages) == 2
    finally:
        server.stop()


def test_email_to_an_unreachable_server_is_transient(tmp_path):
    channel = EmailChannel(settings(tmp_path, **SmtpServer().env()))  # never started
    with pytest.raises(TransientFailure):
        channel.send(message("wang.fang@qiye.example.cn"), Commits())


@pytest.fixture
def sms():
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


def test_sms_is_a_signed_template_request_and_failures_are_told_apart(tmp_path, sms):
    channel = SmsChannel(settings(tmp_path, **sms.env()))
    commits = Commits()
    channel.send(message("13800138000"), commits)
    assert commits.count == 1
    sent = sms.sent()[0]
    assert sent["TemplateCode"] == "SMS_900001" and sent["SignName"] == "企会" and sent["PhoneNumbers"] == "13800138000"
    assert sent["SignatureMethod"] == "HMAC-SHA256" and sms.requests[0]["signed"]
    sms.script = ["limited"]
    with pytest.raises(TransientFailure, match="rate-limited"):
        channel.send(message("13800138000"), commits)
    sms.script = ["500"]
    with pytest.raises(TransientFailure):
        channel.send(message("13800138000"), commits)
    with pytest.raises(PermanentFailure, match="MOBILE_NUMBER_ILLEGAL"):
        channel.send(message("12345"), commits)
    forged = SmsChannel(settings(tmp_path, **sms.env(QIHUI_SMS_SECRET="not-the-secret")))
    with pytest.raises(PermanentFailure, match="SignatureDoesNotMatch"):
        forged.send(message("13800138000"), commits)
    assert commits.count == 1 and len(sms.sent()) == 1
    # A kind without a template code of its own is sent under its kind's name.
    channel.send(message("13800138000", kind="session_cancelled"), commits)
    assert sms.sent()[-1]["TemplateCode"] == "session_cancelled"


@pytest.fixture
def wechat():
    gateway = WechatGateway().start()
    yield gateway
    gateway.stop()


def test_wechat_fetches_its_token_once_and_again_when_it_is_refused(tmp_path, wechat):
    channel = WechatChannel(settings(tmp_path, **wechat.env()))
    commits = Commits()
    channel.send(message("o-wang-fang-openid"), commits)
    channel.send(message("o-wang-fang-openid"), commits)
    assert wechat.tokens_issued == 1 and commits.count == 2
    body = wechat.sent()[0]
    assert body["template_id"] == "TPL-promoted-001" and body["touser"] == "o-wang-fang-openid"
    assert body["data"]["first"]["value"] == TEXT["title_zh"] and body["data"]["title"]["value"] == "人工智能小集会"
    # Another server fetched a token: ours is refused (40001), fetched again, and the message goes once.
    wechat.expire()
    channel.send(message("o-wang-fang-openid"), commits)
    assert wechat.tokens_issued == 2 and commits.count == 3 and len(wechat.sent()) == 3
    wechat.script = ["limited"]
    with pytest.raises(TransientFailure, match="45009"):
        channel.send(message("o-wang-fang-openid"), commits)
    with pytest.raises(PermanentFailure, match="40003"):
        channel.send(message("o-somebody-unknown"), commits)
    wrong = WechatChannel(settings(tmp_path, **wechat.env(QIHUI_WECHAT_SECRET="wrong")))
    with pytest.raises(TransientFailure, match="40125"):
        wrong.send(message("o-wang-fang-openid"), commits)
    assert commits.count == 3
