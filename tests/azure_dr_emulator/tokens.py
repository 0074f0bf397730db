# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""JSON Web Tokens as the emulator issues and checks them: HS256 with a key kept in the state, so
that a restarted emulator still accepts the tokens it issued."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    text = text + '=' * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.encode('ascii'))


def encode(claims, key, header=None):
    header = dict(header or {'typ': 'JWT', 'alg': 'HS256'})
    signing_input = b64url(json.dumps(header, separators=(',', ':')).encode()) + '.' + \
        b64url(json.dumps(claims, separators=(',', ':')).encode())
    if header.get('alg') == 'none':
        return signing_input + '.'
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + '.' + b64url(signature)


def split(token):
    """(header, claims, signing input, signature) of a JWT; ValueError when it is not one."""
    parts = token.split('.')
    if len(parts) != 3:
        raise ValueError('not a JWT')
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    return header, claims, (parts[0] + '.' + parts[1]).encode(), b64url_decode(parts[2]) if parts[2] else b''


def decode(token, key):
    """The claims of a token this emulator signed; ValueError when the signature is wrong."""
    header, claims, signing_input, signature = split(token)
    expected = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    if header.get('alg') != 'HS256' or not hmac.compare_digest(signature, expected):
        raise ValueError('bad signature')
    return claims


def bearer_claims(request, key, now):
    """(claims, problem) for the request's bearer token; problem is None, 'missing', 'invalid' or 'expired'."""
    header = request.headers.get('Authorization') or ''
    if not header.startswith('Bearer '):
        return None, 'missing'
    try:
        claims = decode(header[len('Bearer '):].strip(), key)
    except (ValueError, TypeError):
        return None, 'invalid'
    if claims.get('exp', 0) <= now:
        return claims, 'expired'
    return claims, None


def principal_names(claims):
    """The names under which a caller may be granted access in the seed: app id, object id, user name."""
    return {str(value).lower() for value in (claims.get('appid'), claims.get('oid'), claims.get('upn')) if value}
