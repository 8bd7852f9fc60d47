//! Customer-support chat over websockets. The hub keeps one broadcast channel per room and the
//! recent history in memory: every connection of a room must reach the same process.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::util::{log_event, now_utc};
use crate::{cart, AppState};

static HUB: OnceLock<Arc<ChatHub>> = OnceLock::new();

/// Messages kept per room for people who join later.
const HISTORY: usize = 50;
const CHANNEL_CAPACITY: usize = 256;
const MAX_MESSAGE_CHARS: usize = 1_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatMessage {
    pub room: String,
    pub author: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl ChatMessage {
    pub fn new(room: &str, author: &str, text: &str) -> Self {
        ChatMessage {
            room: room.to_string(),
            author: author.to_string(),
            text: text
                .chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .take(MAX_MESSAGE_CHARS)
                .collect(),
            at: now_utc(),
        }
    }
}

/// Rooms, their subscribers and their recent history.
pub struct ChatHub {
    rooms: Mutex<HashMap<String, broadcast::Sender<ChatMessage>>>,
    history: Mutex<HashMap<String, VecDeque<ChatMessage>>>,
    online: AtomicUsize,
}

/// The process-wide hub.
pub fn hub() -> Arc<ChatHub> {
    Arc::clone(HUB.get_or_init(|| Arc::new(ChatHub::new())))
}

impl ChatHub {
    pub fn new() -> Self {
        ChatHub {
            rooms: Mutex::new(HashMap::new()),
            history: Mutex::new(HashMap::new()),
            online: AtomicUsize::new(0),
        }
    }

    /// Subscribes to a room; returns the receiver and the recent history.
    pub fn join(&self, room: &str) -> (broadcast::Receiver<ChatMessage>, Vec<ChatMessage>) {
        let receiver = {
            let mut rooms = self.rooms.lock().expect("chat rooms lock");
            rooms
                .entry(room.to_string())
                .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
                .subscribe()
        };
        self.online.fetch_add(1, Ordering::Relaxed);
        let history = self.history.lock().expect("chat history lock");
        let backlog = history
            .get(room)
            .map(|messages| messages.iter().cloned().collect())
            .unwrap_or_default();
        (receiver, backlog)
    }

    pub fn leave(&self, room: &str) {
        self.online.fetch_sub(1, Ordering::Relaxed);
        let mut rooms = self.rooms.lock().expect("chat rooms lock");
        if rooms.get(room).is_some_and(|s| s.receiver_count() == 0) {
            rooms.remove(room);
        }
    }

    pub fn publish(&self, message: ChatMessage) {
        {
            let mut history = self.history.lock().expect("chat history lock");
            let kept = history.entry(message.room.clone()).or_default();
            kept.push_back(message.clone());
            while kept.len() > HISTORY {
                kept.pop_front();
            }
        }
        let rooms = self.rooms.lock().expect("chat rooms lock");
        if let Some(sender) = rooms.get(&message.room) {
            // No receiver left is not an error: the room just emptied.
            let _ = sender.send(message);
        }
    }
}

/// `GET /chat/:room`: upgrades to a websocket bound to the room.
pub async fn ws_handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(room): Path<String>,
    headers: HeaderMap,
) -> Response {
    let author = cart::session_id(&headers).unwrap_or_else(|_| "guest".to_string());
    let hub = Arc::clone(&state.hub);
    ws.on_upgrade(move |socket| handle_socket(socket, hub, room, author))
}

/// One connection: forwards the room's broadcasts to the socket and the socket's text to the
/// room, until either side closes.
async fn handle_socket(socket: WebSocket, hub: Arc<ChatHub>, room: String, author: String) {
    let (mut sink, mut stream) = socket.split();
    let (mut receiver, backlog) = hub.join(&room);
    log_event(
        "chat.join",
        &format!(
            "{author} joined {room} ({} online)",
            hub.online.load(Ordering::Relaxed)
        ),
    );
    for message in &backlog {
        if send_json(&mut sink, message).await.is_err() {
            hub.leave(&room);
            return;
        }
    }

    let mut outgoing = tokio::spawn(async move {
        while let Ok(message) = receiver.recv().await {
            if send_json(&mut sink, &message).await.is_err() {
                break;
            }
        }
    });
    let incoming_hub = Arc::clone(&hub);
    let incoming_room = room.clone();
    let mut incoming = tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            match frame {
                WsMessage::Text(text) => {
                    incoming_hub.publish(ChatMessage::new(&incoming_room, &author, &text));
                }
                WsMessage::Close(_) => break,
                _ => {}
            }
        }
    });

    tokio::select! {
        _ = &mut outgoing => incoming.abort(),
        _ = &mut incoming => outgoing.abort(),
    }
    hub.leave(&room);
}

async fn send_json(
    sink: &mut SplitSink<WebSocket, WsMessage>,
    message: &ChatMessage,
) -> Result<(), axum::Error> {
    let text = serde_json::to_string(message).map_err(axum::Error::new)?;
    sink.send(WsMessage::Text(text)).await
}
