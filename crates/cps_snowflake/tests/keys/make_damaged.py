#!/usr/bin/env python3
"""Writes damaged/ and broken/ from the clean keys: each file is one way a key gets damaged
when it is copied, pasted or typed. damaged/ keys are repairable (cps must give the clean key's
outputs with warnings only); broken/ ones are not (cps must report an error). Run it from this
folder after changing a case; tests/keys.rs snapshots every file."""

P8 = open("rsa2048_pkcs8.p8").read()
P1 = open("rsa2048_pkcs1.pem").read()
PUB = open("rsa2048.pub").read()
lines = [l for l in P8.splitlines() if not l.startswith("-----")]
pub_body = "".join(l for l in PUB.splitlines() if not l.startswith("-----"))
begin, end = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"

damaged = {
    "one-line.p8": P8.replace("\n", ""),
    "breaks-became-spaces.p8": P8.rstrip().replace("\n", " "),
    "body-on-one-line.p8": f"{begin}\n{''.join(lines)}\n{end}\n",
    "json-escapes.p8": P8.replace("\n", "\\n"),
    "crlf.p8": P8.replace("\n", "\r\n"),
    "missing-footer.p8": f"{begin}\n" + "\n".join(lines) + "\n",
    "missing-header.p8": "\n".join(lines) + f"\n{end}\n",
    "no-armor.p8": "\n".join(lines),
    "short-dashes.p8": P8.replace("-----BEGIN", "----BEGIN", 1),
    "footer-without-dashes.p8": P8.replace("-----END PRIVATE KEY-----", "-----END PRIVATE KEY"),
    "wrong-label.p8": P8.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
    "mismatched-end.p8": P8.replace("-----END PRIVATE KEY", "-----END RSA PRIVATE KEY"),
    "blank-lines.p8": P8.replace("\n", "\n\n", 3),
    "trailing-spaces.p8": P8.replace("\n", "  \n"),
    "tab-inside.p8": P8.replace("MII", "MI\tI", 1),
    "quoted.p8": f"'{P8}'",
    "yaml.p8": "private_key: |\n" + "".join(f"  {l}\n" for l in P8.splitlines()),
    "everything.p8": '"' + P8.replace("\n", "\r\n").replace("MII", "MII ", 1) + '"',
    "pkcs1-under-pkcs8-label.pem": P1.replace("RSA PRIVATE KEY", "PRIVATE KEY"),
    "public-in-alter-user.sql": f"ALTER USER jsmith SET RSA_PUBLIC_KEY='{pub_body}';",
    "public-in-alter-user-2.sql": f'alter user jsmith set rsa_public_key_2 = "{pub_body}"\n',
    "public-quoted.pub": f"  '{pub_body}'  ",
    "public-bare-one-line.pub": pub_body,
    "public-bare-wrapped.pub": "\n".join(l for l in PUB.splitlines() if not l.startswith("-----")) + "\n",
}

at = P8.find("MII") + 100
broken = {
    "not-base64.p8": P8[:at] + "*" + P8[at + 1:],
    "non-ascii.p8": P8[:at] + "é" + P8[at + 1:],
    "cut-short.p8": f"{begin}\n" + "\n".join(lines[:20]) + f"\n{end}\n",
    "padding-inside.p8": P8.replace("MII", "M=I", 1),
    "empty.txt": "",
    "whitespace.txt": "   \n",
    "words.txt": "hello world",
    "empty-body.p8": f"{begin}\n{end}\n",
    "ec-label.pem": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
    "certificate.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "ssh-ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderPlaceholderPlaceholder user@host\n",
    "ssh2-public.pub": "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n",
    "putty.ppk": "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\n",
    "ssh-type-escape.pub": "ssh-\x1b]0;owned\x07rsa AAAA user@host\n",
}

for folder, cases in (("damaged", damaged), ("broken", broken)):
    for name, text in cases.items():
        with open(f"{folder}/{name}", "w", newline="") as f:
            f.write(text)
