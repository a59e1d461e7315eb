//! What every platform's request signatures share: the timestamp and signature headers must
//! both be there, and the timestamp within five minutes of now, so that a captured request
//! cannot be replayed later. Each platform then checks its own signature scheme.

/// How far a request's timestamp may be from now, in seconds.
pub const WINDOW_SECONDS: i64 = 5 * 60;

/// Why a request was not accepted as the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    /// No timestamp or signature header, or not in the platform's format.
    Missing,
    /// The timestamp is more than five minutes from now.
    Stale,
    /// Signed with another key or secret, or the body was changed.
    Mismatch,
}

/// The timestamp and signature headers, when both are there and the timestamp (Unix seconds)
/// is within [`WINDOW_SECONDS`] of `now`.
pub fn fresh<'a>(
    timestamp: Option<&'a str>,
    signature: Option<&'a str>,
    now: i64,
) -> Result<(&'a str, &'a str), SignatureProblem> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureProblem::Missing);
    };
    let at: i64 = timestamp.parse().map_err(|_| SignatureProblem::Missing)?;
    if (now - at).abs() > WINDOW_SECONDS {
        return Err(SignatureProblem::Stale);
    }
    Ok((timestamp, signature))
}

impl SignatureProblem {
    /// Why, in words the sender's developer can act on (naming no secret), logged with the
    /// endpoint: platforms probe with forged requests, and a refusal is worth a line.
    pub fn refusal(self, endpoint: &str) -> &'static str {
        let why = match self {
            SignatureProblem::Missing => "missing signature headers",
            SignatureProblem::Stale => "the request's timestamp is more than five minutes off",
            SignatureProblem::Mismatch => "the signature does not match",
        };
        tracing::warn!("refused a request to {endpoint}: {why}");
        why
    }
}
