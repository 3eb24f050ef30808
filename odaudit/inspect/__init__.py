"""Facts about a stored body, computed by reading it: its real format (`sniff`), its real encoding
(`charset`), the dates in it (`dates`), declared vocabularies (`vocab`, `frequency`), spreadsheets
over their real extent (`sheets`) and the table scan (`tables/`). Pure functions of bytes and
declarations; the checks (odaudit.checks) turn these facts into findings."""
