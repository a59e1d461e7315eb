//! A fresh database on a PostgreSQL server for one bench run.

/// A database of its own on the PostgreSQL server, so every run starts from the same state.
pub struct FreshPostgres {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshPostgres {
    pub async fn create(admin_url: String) -> anyhow::Result<FreshPostgres> {
        use sqlx::{Connection, Executor};
        let name = format!("keel_bench_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
        admin
            .execute(format!(r#"drop database if exists "{name}" with (force)"#).as_str())
            .await?;
        admin
            .execute(format!(r#"create database "{name}""#).as_str())
            .await?;
        admin.close().await?;
        let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let authority = base.find("://").map_or(0, |i| i + 3);
        let server = base[authority..]
            .find('/')
            .map_or(base, |slash| &base[..authority + slash]);
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let url = format!("{server}/{name}{query}");
        Ok(FreshPostgres {
            admin_url,
            name,
            url,
        })
    }

    pub async fn drop_database(self) -> anyhow::Result<()> {
        use sqlx::{Connection, Executor};
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        let sql = format!(r#"drop database if exists "{}" with (force)"#, self.name);
        admin.execute(sql.as_str()).await?;
        admin.close().await?;
        Ok(())
    }
}
