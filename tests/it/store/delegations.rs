//! Delegations.

use super::*;

#[tokio::test]
async fn delegations_apply_on_the_days_they_cover() {
    for (db, store) in each_store().await {
        let label = db.label;
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let away = Delegation {
            from_person: "u-ben".into(),
            to_person: "u-cy".into(),
            starts_on: day(2),
            ends_on: day(6),
        };
        let single = Delegation {
            from_person: "u-di".into(),
            to_person: "u-ben".into(),
            starts_on: day(6),
            ends_on: day(6),
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_delegation(&away, t0()).await.unwrap();
        tx.insert_delegation(&single, t0()).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            store.delegations_on(day(1)).await.unwrap().is_empty(),
            "{label}"
        );
        assert_eq!(
            store.delegations_on(day(2)).await.unwrap(),
            std::slice::from_ref(&away),
            "{label}"
        );
        assert_eq!(
            store.delegations_on(day(6)).await.unwrap(),
            [away, single],
            "{label}"
        );
        assert!(
            store.delegations_on(day(7)).await.unwrap().is_empty(),
            "{label}"
        );
    }
}
