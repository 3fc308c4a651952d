//! Helpers shared by the test modules: the Python test servers and sample data.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use aftercart_notify::{Branding, Fact, Milestone, Recipient};

/// One pip at a time: parallel tests would otherwise race to install the same package.
static PIP: Mutex<()> = Mutex::new(());

/// Makes sure `module` imports, installing `requirement` with pip when it does not.
pub fn python_module(module: &str, requirement: &str) {
    let _guard = PIP.lock().unwrap_or_else(|e| e.into_inner());
    let imports = |m: &str| {
        Command::new("python3")
            .args(["-c", &format!("import {m}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if imports(module) {
        return;
    }
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", requirement])
        .status()
        .expect("python3 -m pip runs");
    assert!(status.success(), "pip install {requirement} failed");
    assert!(
        imports(module),
        "{module} still does not import after installing {requirement}"
    );
}

pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(name)
}

/// A test server run as a child process, killed when dropped (also when a test panics).
pub struct PyServer {
    child: Child,
    pub port: u16,
}

impl PyServer {
    /// Starts `python3 <script> <args>` and waits for its `PORT <n>` line.
    pub fn start(script_name: &str, args: &[&str]) -> Self {
        let mut child = Command::new("python3")
            .arg(script(script_name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read the PORT line");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("{script_name} did not print its port (got {line:?})")
            });
        Self { child, port }
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port with nothing listening on it (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub fn branding() -> Branding {
    Branding {
        seller_name: "Northwind Supply".into(),
        primary_colour: "#1d4ed8".into(),
        accent_colour: "#b45309".into(),
        portal_url: "https://portal.example".into(),
        from_address: "Northwind Supply <notifications@northwind.example>".into(),
    }
}

pub fn recipient() -> Recipient {
    Recipient {
        name: "Ana Díaz".into(),
        email: Some("ana@buyer.example".into()),
        phone: Some("+15550101234".into()),
    }
}

pub fn fact(label: &str, value: &str) -> Fact {
    Fact {
        label: label.into(),
        value: value.into(),
    }
}

pub fn shipped() -> Milestone {
    Milestone {
        kind: "shipped".into(),
        title: "SO-1042 has shipped".into(),
        summary: "All 12 units of your order left our Leeds warehouse today.".into(),
        facts: vec![
            fact("Carrier", "DHL Express"),
            fact("Tracking number", "JD014600006281234567"),
            fact("Expected delivery", "Thursday 12 November"),
        ],
        link: "https://portal.example/orders/SO-1042".into(),
        reference: "SO-1042".into(),
    }
}
