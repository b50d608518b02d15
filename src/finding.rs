//! Findings: what `verify` and `audit` report, as data. Printing is `report`'s business.

use serde::Serialize;

/// How bad a finding is. The order matters: the worst severity decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and found fine.
    Info,
    /// Will break soon, or is risky.
    Warning,
    /// dockerd or the docker CLI will reject it, or the check failed.
    Error,
}

impl Severity {
    /// The word printed before a finding.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "ok",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One thing found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// A stable identifier, e.g. `server-name-mismatch`.
    pub code: &'static str,
    /// The file or host it is about.
    pub subject: String,
    /// What was found, in one line.
    pub message: String,
    /// Supporting lines (a chain, a list of names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A finding without details or fix.
    pub fn new(
        severity: Severity,
        code: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            code,
            subject: subject.into(),
            message: message.into(),
            details: Vec::new(),
            fix: None,
        }
    }

    /// Something checked and found fine.
    pub fn ok(
        code: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(Severity::Info, code, subject, message)
    }

    /// A warning.
    pub fn warning(
        code: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(Severity::Warning, code, subject, message)
    }

    /// An error.
    pub fn error(
        code: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(Severity::Error, code, subject, message)
    }

    /// Adds what to do.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    /// Adds supporting lines.
    pub fn with_details(mut self, details: Vec<String>) -> Finding {
        self.details = details;
        self
    }
}

/// The worst severity among `findings` (Info when there are none).
pub fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Info)
}
