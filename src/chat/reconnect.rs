//! What a platform's long-lived connection (Slack's Socket Mode, Discord's gateway) needs to
//! come back after a failure without hammering the platform or holding up shutdown: a pause
//! that doubles from a second up to a ceiling, cut short by the stop signal.

use std::time::Duration;
use tokio::sync::watch;

/// Returns once `stop` is set (or its sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// The pause before the next attempt to connect.
#[derive(Debug, Clone)]
pub struct Backoff {
    pause: Duration,
    max: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_secs(1);

    pub fn up_to(max: Duration) -> Backoff {
        Backoff {
            pause: Backoff::FIRST,
            max,
        }
    }

    /// The pause the next [`Backoff::wait`] takes.
    pub fn pause(&self) -> Duration {
        self.pause
    }

    /// After a connection that worked: the next failure pauses briefly again.
    pub fn reset(&mut self) {
        self.pause = Backoff::FIRST;
    }

    /// Sleeps the pause and doubles it; false when told to stop meanwhile.
    pub async fn wait(&mut self, stop: &mut watch::Receiver<bool>) -> bool {
        let slept = tokio::select! {
            _ = tokio::time::sleep(self.pause) => true,
            _ = stopped(stop) => false,
        };
        self.pause = (self.pause * 2).min(self.max);
        slept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pause_doubles_up_to_its_ceiling_and_a_stop_cuts_it_short() {
        let (tell, mut stop) = watch::channel(true);
        let mut backoff = Backoff::up_to(Duration::from_secs(3));
        assert!(!backoff.wait(&mut stop).await, "stopped: no sleep");
        assert_eq!(backoff.pause(), Duration::from_secs(2));
        assert!(!backoff.wait(&mut stop).await);
        assert_eq!(backoff.pause(), Duration::from_secs(3), "the ceiling");
        backoff.reset();
        assert_eq!(backoff.pause(), Duration::from_secs(1));
        drop(tell);
    }
}
