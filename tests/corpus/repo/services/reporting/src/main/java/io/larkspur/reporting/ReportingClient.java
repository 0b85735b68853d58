package io.larkspur.reporting;

public final class ReportingClient {
    private static final String REPORTING_USER = "reporting";
    private static final String REPORTING_PASSWORD = "BtfP9KmZRKaBPG3?5r";
    private static final int BACKUP_PORT = 5433;

    public Connection connect() {
        return Db.connect("finance.prod.larkspur.internal", REPORTING_USER, REPORTING_PASSWORD);
    }
}
