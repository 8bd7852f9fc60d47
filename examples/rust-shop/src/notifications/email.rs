//! E-mail through the internal SMTP relay (lettre).

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};

use super::{Message, Notifier};
use crate::error::{AppError, AppResult};
use crate::util::config::Config;
use crate::util::log_event;

pub struct EmailNotifier {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
}

impl EmailNotifier {
    pub fn from_config(config: &Config) -> Self {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)
            .expect("SMTP_HOST is a valid host name")
            .build();
        EmailNotifier {
            mailer,
            from: config.mail_from.clone(),
        }
    }
}

impl Notifier for EmailNotifier {
    fn channel(&self) -> &'static str {
        "email"
    }

    async fn send(&self, to: &str, message: &Message) -> AppResult<()> {
        let mail = Mail::builder()
            .from(self.from.parse().map_err(AppError::internal)?)
            .to(to.parse().map_err(AppError::internal)?)
            .subject(&message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(AppError::internal)?;
        self.mailer.send(mail).await.map_err(AppError::internal)?;
        log_event(self.channel(), to);
        Ok(())
    }
}
