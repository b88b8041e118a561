//! `waygate echo-upstream`: a tiny upstream for trying the gateway locally. HTTP requests
//! get their method, path and headers echoed back; WebSocket upgrades get every text or
//! binary message echoed (a minimal RFC 6455 server: unmask, re-frame, answer ping and close).

use std::convert::Infallible;
use std::net::SocketAddr;

use base64::Engine as _;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use crate::body::{self, Body};
use crate::websocket::is_upgrade;

const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

fn accept_key(key: &[u8]) -> String {
    let mut input = key.to_vec();
    input.extend_from_slice(WS_GUID.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// Echoes WebSocket messages until the client closes.
async fn echo_frames<S: AsyncRead + AsyncWrite + Unpin>(mut io: S) -> std::io::Result<()> {
    loop {
        let mut head = [0u8; 2];
        io.read_exact(&mut head).await?;
        let opcode = head[0] & 0x0f;
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7f {
            126 => u64::from(io.read_u16().await?),
            127 => io.read_u64().await?,
            n => u64::from(n),
        };
        if len > 16 * 1024 * 1024 {
            return Ok(());
        }
        let mut mask = [0u8; 4];
        if masked {
            io.read_exact(&mut mask).await?;
        }
        let mut payload = vec![0u8; usize::try_from(len).unwrap_or(0)];
        io.read_exact(&mut payload).await?;
        if masked {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        let reply_op = match opcode {
            0x8 => 0x8,      // close: answer and stop
            0x9 => 0xA,      // ping → pong
            0xA => continue, // pong
            op => op,        // text, binary, continuation: echo
        };
        let mut frame = vec![0x80 | reply_op];
        let len = payload.len();
        if let Ok(small) = u8::try_from(len)
            && small < 126
        {
            frame.push(small);
        } else if let Ok(medium) = u16::try_from(len) {
            frame.push(126);
            frame.extend_from_slice(&medium.to_be_bytes());
        } else {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
        frame.extend_from_slice(&payload);
        io.write_all(&frame).await?;
        if opcode == 0x8 {
            return io.shutdown().await;
        }
    }
}

async fn handle(mut req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    if is_upgrade(req.headers()) {
        let key = req
            .headers()
            .get("sec-websocket-key")
            .map(|k| accept_key(k.as_bytes()));
        let Some(accept) = key else {
            let mut res = Response::new(body::full("missing sec-websocket-key\n"));
            *res.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(res);
        };
        let on = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            if let Ok(up) = on.await {
                let _ = echo_frames(TokioIo::new(up)).await;
            }
        });
        let mut res = Response::new(body::empty());
        *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = res.headers_mut();
        h.insert("connection", http::HeaderValue::from_static("upgrade"));
        h.insert("upgrade", http::HeaderValue::from_static("websocket"));
        if let Ok(v) = http::HeaderValue::from_str(&accept) {
            h.insert("sec-websocket-accept", v);
        }
        return Ok(res);
    }
    let mut text = format!("{} {} {:?}\n", req.method(), req.uri(), req.version());
    for (name, value) in req.headers() {
        text.push_str(name.as_str());
        text.push_str(": ");
        text.push_str(&String::from_utf8_lossy(value.as_bytes()));
        text.push('\n');
    }
    Ok(Response::new(body::full(Bytes::from(text))))
}

/// Serves until the process ends.
pub async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let listener = crate::listener::bind(addr)?;
    tracing::info!(%addr, "echo upstream listening");
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(TokioIo::new(tcp), service_fn(handle))
                .await;
        });
    }
}
