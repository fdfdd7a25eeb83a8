//! Access tokens: HS256 JWTs this service signs, and (optionally) RS256
//! tokens from the council's identity provider. Decoding fixes the algorithm
//! and checks issuer, audience, expiry and not-before with a small leeway.

use std::collections::HashMap;

use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::policy::Role;

pub const ISSUER: &str = "panel-tracker";
pub const AUDIENCE: &str = "panel-tracker-api";
/// Clock skew tolerated between instances, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// What the service puts in its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The username, or `service:<name>` for a service credential.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// `user` or `service`.
    pub kind: TokenKind,
    /// For users: the token generation it was issued in (see `users.token_generation`).
    #[serde(default)]
    pub generation: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    User,
    Service,
}

/// Why a token was refused; the client only ever hears "invalid token".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

/// Signs and checks the service's own tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn from_secret(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!("the JWT secret must be at least {MIN_SECRET_BYTES} bytes (it is {})", secret.len()));
        }
        Ok(TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) })
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, TokenError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| TokenError(e.to_string()))
    }

    /// Checks signature, algorithm, issuer, audience, exp, nbf and iat.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|e| TokenError(e.to_string()))?.claims;
        if claims.iat > now + LEEWAY_SECS as i64 {
            return Err(TokenError("issued in the future".into()));
        }
        Ok(claims)
    }
}

/// The council's identity provider, when single sign-on is configured.
#[derive(Clone)]
pub struct SsoKeys {
    pub issuer: String,
    pub audience: String,
    /// Keys by `kid`.
    pub keys: HashMap<String, DecodingKey>,
    /// The claim holding groups or roles (a string or an array of strings).
    pub role_claim: String,
    /// Claim value -> role; the highest role among a caller's values wins.
    pub role_map: HashMap<String, Role>,
}

/// Who a single sign-on token names, and with what role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoIdentity {
    pub subject: String,
    pub role: Option<Role>,
}

impl SsoKeys {
    /// Reads a JWKS document (the provider's published keys).
    pub fn from_jwks(
        jwks: &str,
        issuer: String,
        audience: String,
        role_claim: String,
        role_map: HashMap<String, Role>,
    ) -> Result<Self, String> {
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(jwks).map_err(|e| format!("invalid JWKS: {e}"))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else { continue };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS key {kid}: {e}"))?;
            keys.insert(kid, key);
        }
        if keys.is_empty() {
            return Err("the JWKS holds no key with a `kid`".into());
        }
        Ok(SsoKeys { issuer, audience, keys, role_claim, role_map })
    }

    pub fn verify(&self, token: &str) -> Result<SsoIdentity, TokenError> {
        let header = decode_header(token).map_err(|e| TokenError(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError("single sign-on tokens must be RS256".into()));
        }
        let kid = header.kid.ok_or_else(|| TokenError("no kid".into()))?;
        let key = self.keys.get(&kid).ok_or_else(|| TokenError(format!("unknown kid {kid}")))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims =
            decode::<serde_json::Value>(token, key, &validation).map_err(|e| TokenError(e.to_string()))?.claims;
        let subject = claims["sub"].as_str().unwrap_or_default().to_string();
        let values: Vec<&str> = match &claims[&self.role_claim] {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
            _ => vec![],
        };
        let role = values.iter().filter_map(|v| self.role_map.get(*v).copied()).max();
        Ok(SsoIdentity { subject, role })
    }
}

/// Parses `SSO_ROLE_MAP`: `group=role,group=role`.
pub fn parse_role_map(value: &str) -> Result<HashMap<String, Role>, String> {
    let mut map = HashMap::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (claim, role) = pair.split_once('=').ok_or_else(|| format!("SSO_ROLE_MAP entry `{pair}` lacks `=`"))?;
        map.insert(claim.trim().to_string(), role.trim().parse::<Role>()?);
    }
    if map.is_empty() {
        return Err("SSO_ROLE_MAP maps no value to a role".into());
    }
    Ok(map)
}

/// Which kind of token a bearer string is, by its header's algorithm; the
/// algorithm decides the key, never the other way round.
pub fn algorithm(token: &str) -> Result<Algorithm, TokenError> {
    decode_header(token).map(|h| h.alg).map_err(|e| TokenError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            sub: "clerk".into(),
            role: Role::Secretariat,
            iat: now,
            nbf: now,
            exp: now + 3600,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: "j1".into(),
            kind: TokenKind::User,
            generation: 0,
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(&[7u8; 32]).unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let c = claims(now());
        let token = keys().issue(&c).unwrap();
        assert_eq!(keys().verify(&token, now()).unwrap(), c);
    }

    #[test]
    fn weak_secrets_are_refused() {
        assert!(TokenKeys::from_secret(b"short").is_err());
    }

    #[test]
    fn rejects_wrong_key_issuer_audience_expired_and_future_tokens() {
        let n = now();
        let other = TokenKeys::from_secret(&[8u8; 32]).unwrap();
        assert!(keys().verify(&other.issue(&claims(n)).unwrap(), n).is_err(), "wrong key");
        let mut c = claims(n);
        c.iss = "someone-else".into();
        assert!(keys().verify(&keys().issue(&c).unwrap(), n).is_err(), "issuer");
        let mut c = claims(n);
        c.aud = "other-api".into();
        assert!(keys().verify(&keys().issue(&c).unwrap(), n).is_err(), "audience");
        let mut c = claims(n - 7200);
        c.exp = n - 3600;
        assert!(keys().verify(&keys().issue(&c).unwrap(), n).is_err(), "expired");
        let c = claims(n + 3600);
        assert!(keys().verify(&keys().issue(&c).unwrap(), n).is_err(), "not yet valid");
    }

    #[test]
    fn rejects_alg_none_and_other_algorithms() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(now())).unwrap());
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), body);
        assert!(keys().verify(&none, now()).is_err());
        let hs512 =
            encode(&Header::new(Algorithm::HS512), &claims(now()), &EncodingKey::from_secret(&[7u8; 32])).unwrap();
        assert!(keys().verify(&hs512, now()).is_err());
    }

    #[test]
    fn role_maps_parse() {
        let map = parse_role_map("PanelClerks=secretariat, OPCC-Staff=opcc").unwrap();
        assert_eq!(map["PanelClerks"], Role::Secretariat);
        assert!(parse_role_map("x").is_err());
        assert!(parse_role_map("x=root").is_err());
        assert!(parse_role_map("").is_err());
    }
}
