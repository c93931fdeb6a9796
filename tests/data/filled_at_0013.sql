INSERT INTO "agenda_item" VALUES(1,1,1,'Hvordan samarbeidet fungerer (samhandlingsavtalen)','annual',NULL,NULL);
INSERT INTO "agenda_item" VALUES(2,2,1,'Hvordan samarbeidet fungerer (samhandlingsavtalen)','annual',NULL,NULL);
INSERT INTO "agenda_item" VALUES(3,3,1,'Varsel om erverv ER-2026-0001 – Prestvannet borettslag','acquisition',4,NULL);
INSERT INTO "agenda_item" VALUES(4,3,2,'Framleie FR-2026-0001 – Kroken Terrasse borettslag','sublet',5,NULL);
INSERT INTO "agenda_item" VALUES(5,3,3,'Klager','request',6,NULL);
INSERT INTO "agenda_item" VALUES(6,3,4,'Vedlikehold','request',6,NULL);
INSERT INTO "api_token" VALUES(1,'216c4e5cc1a247f3022c1988d22c3e39dec617bc481561082bc1e2ef868c8b7e','Kari Johansen','municipality','kari.johansen@kommune.example','2027-03-01 09:00:00.000000',NULL,NULL,NULL);
INSERT INTO "api_token" VALUES(2,'a556d726a89d8bf51d096e54955570cb409a2ac3407011832656ec76f7d8286a','Per Hansen','association','per.hansen@bonord.example','2027-03-01 09:00:00.000000',NULL,NULL,NULL);
INSERT INTO "api_token" VALUES(3,'1a4706b9f164ec6fca46481fd4b5071cc186012371249894e789649560ca36de','fagsystem','system',NULL,'2027-03-01 09:00:00.000000',NULL,NULL,NULL);
INSERT INTO "case" VALUES(1,'KL-2026-0001','complaint','resolved',2,'noise','Det bråker hver natt fra leilighet 3B, også etter 23.',NULL,NULL,NULL,'Kari Styreleder','kari@example.org',NULL,'board','Auz5gusiM8Hb0yaVK3H4N4phTQOodE4xCI-YmMNTfnk','kari.johansen@kommune.example',0,'2026-11-30 11:14:29.789936','2026-11-30 11:14:30.043876','{}',NULL,0,1,4);
INSERT INTO "case" VALUES(2,'KL-2026-0002','complaint','acknowledged',1,'pests','Det bråker hver natt fra leilighet 3B, også etter 23.',NULL,NULL,NULL,'Kari Styreleder','kari@example.org',NULL,'board','q-uzaGgT1qewWPqy2DP9M0l7FnWWZ0L590VjkMnsQ2M','kari.johansen@kommune.example',0,'2026-11-30 11:14:29.898346','2026-11-30 11:14:30.054317','{}',NULL,0,1,3);
INSERT INTO "case" VALUES(3,'KL-2026-0003','complaint','routed',3,'damage','Det bråker hver natt fra leilighet 3B, også etter 23.',NULL,NULL,NULL,'Kari Styreleder','kari@example.org',NULL,'board','jzpeUzW-Sj6wX1AEmr0ohtjwzQ2Tpjyza4mf9yqNjU8','kari.johansen@kommune.example',0,'2026-11-30 11:14:29.902093','2027-03-01 09:00:00.000000','{}',NULL,0,1,2);
INSERT INTO "case" VALUES(4,'ER-2026-0001','acquisition','routed',2,NULL,'Planlagt kjøp.','41','Prestvannetveien 19',NULL,NULL,NULL,NULL,NULL,'AYRWQCzXmXVhtTRoznQfuP3CMtJwPFq28O7f1N3jDKY','per.hansen@bonord.example',0,'2026-11-30 11:14:29.907284','2027-03-01 09:00:00.000000','{"planned_date": "2027-05-01", "board_asked_on": "2026-11-30", "warning": null, "owned_before": 6, "owned_after": 7, "cap": 15}','kari.johansen@kommune.example',0,1,2);
INSERT INTO "case" VALUES(5,'FR-2026-0001','sublet','routed',4,NULL,'Kan styret godkjenne?','7',NULL,NULL,NULL,NULL,NULL,NULL,'GfG0fT6W6XElLAGw6BbcoKat_JRIjuDQc8HcvCKRZxk','per.hansen@bonord.example',0,'2026-11-30 11:14:29.923075','2027-03-01 09:00:00.000000','{"move_in_date": "2027-04-01", "tenant_household": "To voksne"}','kari.johansen@kommune.example',0,1,2);
INSERT INTO "case" VALUES(6,'MO-2026-0001','meeting_request','routed',NULL,NULL,'Mange klager i vinter.',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'M697_4m9FPNU0ffQKkWJQ0k60rH9FXHUlKs5ViFnvlk','kari.johansen@kommune.example',0,'2026-11-30 11:14:29.926483','2026-11-30 11:14:29.997934','{"party": "association", "topics": ["Klager", "Vedlikehold"], "deadline": "2026-12-21", "meeting": {"id": 3, "starts_at": "2026-12-07T10:00:00+01:00"}, "outcome": "booked"}','per.hansen@bonord.example',0,1,2);
INSERT INTO "case_history" VALUES(1,1,'2026-11-30 11:14:29.789936','innsender','received',NULL,'received','Klagen er mottatt.',1);
INSERT INTO "case_history" VALUES(2,2,'2026-11-30 11:14:29.898346','innsender','received',NULL,'received','Klagen er mottatt.',1);
INSERT INTO "case_history" VALUES(3,3,'2026-11-30 11:14:29.902093','innsender','received',NULL,'received','Klagen er mottatt.',1);
INSERT INTO "case_history" VALUES(4,4,'2026-11-30 11:14:29.907284','kari.johansen@kommune.example','received',NULL,'received','Varsel om planlagt erverv er mottatt.',1);
INSERT INTO "case_history" VALUES(5,5,'2026-11-30 11:14:29.923075','kari.johansen@kommune.example','received',NULL,'received','Spørsmål om framleie er mottatt.',1);
INSERT INTO "case_history" VALUES(6,6,'2026-11-30 11:14:29.926483','per.hansen@bonord.example','received',NULL,'received','Ønske om møte i samarbeidsutvalget er mottatt.',1);
INSERT INTO "case_history" VALUES(7,1,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Kari Johansen (ansvarlig), Per Hansen (kopi)',1);
INSERT INTO "case_history" VALUES(8,2,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Kari Johansen (ansvarlig), Anne Nilsen (kopi)',1);
INSERT INTO "case_history" VALUES(9,3,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Kari Johansen (ansvarlig), Anne Nilsen (kopi)',1);
INSERT INTO "case_history" VALUES(10,4,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Per Hansen (ansvarlig), Kari Johansen (kopi)',1);
INSERT INTO "case_history" VALUES(11,5,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Per Hansen (ansvarlig), Kari Johansen (kopi)',1);
INSERT INTO "case_history" VALUES(12,6,'2027-03-01 09:00:00.000000','samhandling','routed','received','routed','Sendt til Kari Johansen (ansvarlig), Ingrid Solberg (kopi), Marit Eriksen (kopi)',1);
INSERT INTO "case_history" VALUES(13,6,'2027-03-01 09:00:00.000000','samhandling','meeting_booked','routed','routed','Møte i samarbeidsutvalget er innkalt til 07.12.2026 kl. 10.00.',1);
INSERT INTO "case_history" VALUES(14,1,'2026-11-30 11:14:30.019940','kari.johansen@kommune.example','acknowledged','routed','acknowledged','Tatt opp med beboeren.',1);
INSERT INTO "case_history" VALUES(15,1,'2026-11-30 11:14:30.043876','kari.johansen@kommune.example','resolved','acknowledged','resolved','Tatt opp med beboeren.',1);
INSERT INTO "case_history" VALUES(16,2,'2026-11-30 11:14:30.054317','kari.johansen@kommune.example','acknowledged','routed','acknowledged','Tatt opp med beboeren.',1);
INSERT INTO "contact" VALUES(1,'kari.johansen@kommune.example','Kari Johansen','municipality','main_contact','Tromsø kommune Boligkontoret','ola.berg@kommune.example','leder.boligkontoret@kommune.example',1,NULL);
INSERT INTO "contact" VALUES(2,'ola.berg@kommune.example','Ola Berg','municipality','deputy_contact','Tromsø kommune Boligkontoret',NULL,'leder.boligkontoret@kommune.example',0,NULL);
INSERT INTO "contact" VALUES(3,'leder.boligkontoret@kommune.example','Ingrid Solberg','municipality','leader','Tromsø kommune Boligkontoret',NULL,NULL,1,NULL);
INSERT INTO "contact" VALUES(4,'anne.nilsen@bonord.example','Anne Nilsen','association','case_officer','BoNord','per.hansen@bonord.example','direktor@bonord.example',1,NULL);
INSERT INTO "contact" VALUES(5,'per.hansen@bonord.example','Per Hansen','association','case_officer','BoNord','anne.nilsen@bonord.example','direktor@bonord.example',0,NULL);
INSERT INTO "contact" VALUES(6,'direktor@bonord.example','Marit Eriksen','association','leader','BoNord',NULL,NULL,1,NULL);
INSERT INTO "contact" VALUES(7,'styret.fjellheisen@borettslag.example','Styret i Fjellheisen borettslag','cooperative','board','Fjellheisen borettslag',NULL,NULL,1,NULL);
INSERT INTO "contact" VALUES(8,'styret.prestvannet@borettslag.example','Styret i Prestvannet borettslag','cooperative','board','Prestvannet borettslag',NULL,NULL,1,NULL);
INSERT INTO "cooperative" VALUES(1,'942474601','Fjellheisen borettslag','Fjellheisenveien 3','9012','Tromsø',12,0,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(2,'997273354','Prestvannet borettslag','Prestvannetveien 19','9006','Tromsø',150,6,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(3,'942581521','Stakkevollan borettslag','Stakkevollanveien 56','9006','Tromsø',36,1,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(4,'961998492','Kroken Terrasse borettslag','Krokenveien 43','9037','Tromsø',12,1,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(5,'920252648','Workinnmarka borettslag','Workinnmarkaveien 53','9006','Tromsø',150,13,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(6,'986606483','Hamna Park borettslag','Hamnaveien 4','9019','Tromsø',150,9,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(7,'946291684','Tomasjord Hage borettslag','Tomasjordveien 32','9012','Tromsø',150,15,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(8,'976303628','Elverhøy borettslag','Elverhøyveien 51','9019','Tromsø',120,12,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(9,'911950138','Mortensnes borettslag','Mortensnesveien 15','9011','Tromsø',36,0,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(10,'902673687','Breivang borettslag','Breivangveien 29','9020','Tromsø',72,5,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(11,'909890594','Strandkanten borettslag','Strandkantenveien 21','9011','Tromsø',60,1,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(12,'960262891','Kvaløysletta borettslag','Kvaløyslettaveien 57','9020','Tromsø',150,12,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(13,'939813837','Giæverbukta borettslag','Giæverbuktaveien 22','9011','Tromsø',36,0,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(14,'920073271','Storskog borettslag','Storskogveien 23','9006','Tromsø',150,14,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(15,'972779180','Reinen borettslag','Reinenveien 24','9011','Tromsø',60,1,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(16,'978950612','Langnes Park borettslag','Langnesveien 2','9012','Tromsø',24,2,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(17,'933797392','Slettaelva borettslag','Slettaelvaveien 30','9037','Tromsø',150,4,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(18,'923153853','Tromsdalen Sør borettslag','Tromsdalenveien 48','9011','Tromsø',96,4,'per.hansen@bonord.example');
INSERT INTO "cooperative" VALUES(19,'972952222','Kaldslettbakken borettslag','Kaldslettbakkenveien 51','9019','Tromsø',12,0,'anne.nilsen@bonord.example');
INSERT INTO "cooperative" VALUES(20,'997004809','Nordlysbyen borettslag','Nordlysbyenveien 43','9006','Tromsø',36,1,'per.hansen@bonord.example');
INSERT INTO "deadline" VALUES(1,4,'board_approval',20,'2026-12-20 22:59:59.000000','2026-12-15 07:00:00.000000',NULL,NULL,NULL,NULL,'2026-11-30 11:14:29.907284');
INSERT INTO "handbook_version" VALUES(1,'2027-03-01 09:00:00.000000','fil','# Rutinehåndbok for samhandlingsavtalen: hvem som får hver sak, fristene og e-postmalene.
#
# Endres med PUT /api/v1/handbook, eller i denne fila (HANDBOOK_PATH): når teksten i fila er
# endret, blir den en ny versjon neste gang en sak rutes. En ny versjon gjelder bare nye saker.
# En håndbok med feil blir avvist i sin helhet, med linjenummer og grunn.
#
# Roller (slås opp i kontaktregisteret):
#   municipality.main_contact  kommunens kontaktperson for boligbyggelaget (avtalen punkt 2)
#   municipality.leader        lederen i kommunens boligkontor
#   association.case_officer   boligbyggelagets saksbehandler for borettslaget
#   association.leader         lederen i boligbyggelaget
#   cooperative.board          styret i borettslaget
#   contact:<e-post>           en navngitt kontaktperson
# Er en kontaktperson fraværende, går saken til stedfortrederen (og dennes stedfortreder). Finnes
# ingen, går saken til kommunens kontaktperson og blir merket som ikke rutet.
#
# Regler i lag, felt for felt: defaults < sakstypens default < klagekategori < borettslag (orgnr).
# Frister er norske virkedager (ikke helg, ikke helligdag), regnet fra saken kom inn; null betyr
# ingen frist. Påminnelse ved reminder_fraction av tiden. En oversittet frist meldes til escalate_to:
# leader er lederen til den som har saken; en rolle eller contact:<e-post> sender den dit.

format: 1

defaults:
  reminder_fraction: 0.75
  escalate_to: leader

case_types:
  complaint:            # klage: kommunen svarer, boligbyggelaget får kopi (avtalen punkt 5)
    default:
      primary: municipality.main_contact
      copies: [association.case_officer]
      acknowledge_days: 2
      resolve_days: 20
      templates:
        notification: complaint_notification
        receipt: complaint_receipt
        status_changed: status_changed
        reminder: deadline_reminder
        escalation: deadline_escalation
    # Per kategori (noise, house_rules, damage, maintenance, pests, payment, other), for eksempel:
    #   payment:
    #     primary: association.case_officer
    #     copies: [municipality.main_contact]
    categories: {}
    # Per borettslag, etter organisasjonsnummer, for eksempel:
    #   "997273354":
    #     copies: [association.case_officer, cooperative.board]
    cooperatives: {}

  acquisition:          # erverv: boligbyggelaget tar varselet videre til styret (avtalen punkt 3)
    default:
      primary: association.case_officer
      copies: [municipality.main_contact]
      # Styrets frist på 20 dager (burettslagslova kapittel 4) er lovens kalenderdager, ikke en
      # frist i denne håndboka.
      acknowledge_days: null
      resolve_days: null
      templates:
        notification: acquisition_notification
        receipt: complaint_receipt
        status_changed: status_changed

  sublet:               # framleie: styrets godkjenning (burettslagslova § 5-6, avtalen punkt 4)
    default:
      primary: association.case_officer
      copies: [municipality.main_contact]
      # Avtalen krever bare at spørsmålet er besvart innen 20 virkedager; ingen egen
      # kvitteringsfrist.
      acknowledge_days: null
      resolve_days: 20
      templates:
        notification: sublet_notification
        receipt: complaint_receipt
        status_changed: status_changed
        reminder: deadline_reminder
        escalation: deadline_escalation

  meeting_request:      # møteinnkalling: begge parters ledere får kopi (avtalen punkt 6)
    default:
      primary: municipality.main_contact
      copies: [municipality.leader, association.leader]
      # Møtet holdes innen 21 kalenderdager; det passer møtebookingen på, ikke en saksfrist.
      acknowledge_days: null
      resolve_days: null
      templates:
        notification: meeting_request_notification
        receipt: complaint_receipt
        status_changed: status_changed
','Første versjon.');
INSERT INTO "meeting" VALUES(1,'7a005fb9-78c4-4e48-adf2-5fc447a4e928@samhandling','annual','Vårmøte i samarbeidsutvalget 2027','2027-03-09','2027-03-09 09:00:00.000000','2027-03-09 11:00:00.000000','Avtales i innkallingen (møterom eller Teams)','planned',0,NULL,'2027-03-01 09:00:00.000000','2027-03-01 09:00:00.000000','2027-spring',NULL,NULL,NULL);
INSERT INTO "meeting" VALUES(2,'a32e6ad4-4e5a-47b2-b373-8fd99e72daac@samhandling','annual','Høstmøte i samarbeidsutvalget 2027','2027-09-07','2027-09-07 08:00:00.000000','2027-09-07 10:00:00.000000','Avtales i innkallingen (møterom eller Teams)','planned',0,NULL,'2027-03-01 09:00:00.000000','2027-03-01 09:00:00.000000','2027-autumn',NULL,NULL,NULL);
INSERT INTO "meeting" VALUES(3,'efb9c593-e999-4ce4-951e-4965c3655166@samhandling','requested','Møte i samarbeidsutvalget (etter ønske)','2026-12-07','2026-12-07 09:00:00.000000','2026-12-07 11:00:00.000000','Avtales i innkallingen (møterom eller Teams)','planned',0,NULL,'2027-03-01 09:00:00.000000','2027-03-01 09:00:00.000000',NULL,NULL,NULL,NULL);
INSERT INTO "meeting_reminder" VALUES(1,1,7,'2027-03-02 07:00:00.000000',NULL,NULL);
INSERT INTO "meeting_reminder" VALUES(2,1,1,'2027-03-08 07:00:00.000000',NULL,NULL);
INSERT INTO "meeting_reminder" VALUES(3,2,7,'2027-08-31 06:00:00.000000',NULL,NULL);
INSERT INTO "meeting_reminder" VALUES(4,2,1,'2027-09-06 06:00:00.000000',NULL,NULL);
INSERT INTO "meeting_reminder" VALUES(5,3,7,'2026-11-30 07:00:00.000000',NULL,'2027-03-01 09:00:00.000000');
INSERT INTO "meeting_reminder" VALUES(6,3,1,'2026-12-06 07:00:00.000000',NULL,'2027-03-01 09:00:00.000000');
INSERT INTO "notification" VALUES(1,'e-0',1,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<1a166edab42d3eb49e6cdd9c43cc461d6572ac5b@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.950907','complaint_notification');
INSERT INTO "notification" VALUES(2,'e-0',1,'per.hansen@bonord.example','Per Hansen','case_notification','pending','<85978174a3ef57fc9a2b285fe10f271aa87d2571@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.950907','complaint_notification');
INSERT INTO "notification" VALUES(3,'e-0',1,'kari@example.org','Kari Styreleder','receipt','pending','<5b959f1d3a1252ece281c0dfd335b53de126ae1a@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.950907','complaint_receipt');
INSERT INTO "notification" VALUES(4,'e-1',2,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<fbd5525b06364cc17b6e4fb7a5767c65a16c9da6@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.954401','complaint_notification');
INSERT INTO "notification" VALUES(5,'e-1',2,'anne.nilsen@bonord.example','Anne Nilsen','case_notification','pending','<f5cabd52254958ea685bd603f8376a1b8fda0f98@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.954401','complaint_notification');
INSERT INTO "notification" VALUES(6,'e-1',2,'kari@example.org','Kari Styreleder','receipt','pending','<44aea3acbe7b597bf604f92a19c090c65e1c2adc@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.954401','complaint_receipt');
INSERT INTO "notification" VALUES(7,'e-2',3,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<70e657ec2712c9a81c21c2118e189569fa246e11@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.956960','complaint_notification');
INSERT INTO "notification" VALUES(8,'e-2',3,'anne.nilsen@bonord.example','Anne Nilsen','case_notification','pending','<3dfe566e16c74ec3366e054f4b98e5e4d3d99f65@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.956960','complaint_notification');
INSERT INTO "notification" VALUES(9,'e-2',3,'kari@example.org','Kari Styreleder','receipt','pending','<7ec2733cef335f218116d342b7ca1781e6176a01@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.956960','complaint_receipt');
INSERT INTO "notification" VALUES(10,'e-3',4,'per.hansen@bonord.example','Per Hansen','case_notification','pending','<ac085a581bcb9223000c4f0ba9a146d6c8765b74@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.958731','acquisition_notification');
INSERT INTO "notification" VALUES(11,'e-3',4,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<a2e9198a83bdaf68a4c7bc47a163991192d0d22c@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.958731','acquisition_notification');
INSERT INTO "notification" VALUES(12,'e-4',5,'per.hansen@bonord.example','Per Hansen','case_notification','pending','<59e821b5784bdc1aa2a5d8faece57cc078721d75@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.960544','sublet_notification');
INSERT INTO "notification" VALUES(13,'e-4',5,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<68deeb3558a9a320d939a2729d423f69c0cdfd3a@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.960544','sublet_notification');
INSERT INTO "notification" VALUES(14,'e-5',6,'kari.johansen@kommune.example','Kari Johansen','case_notification','pending','<3428990c519c731966e17ee058fc837374bffdf6@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.962430','meeting_request_notification');
INSERT INTO "notification" VALUES(15,'e-5',6,'leder.boligkontoret@kommune.example','Ingrid Solberg','case_notification','pending','<52f18a16aff760201094b737f61c261757988c36@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.962430','meeting_request_notification');
INSERT INTO "notification" VALUES(16,'e-5',6,'direktor@bonord.example','Marit Eriksen','case_notification','pending','<03ae5a4b5e6f3cc394f397da7528e7753a188821@samhandling.example>',0,NULL,NULL,'','2026-11-30 11:14:29.962430','meeting_request_notification');
INSERT INTO "outbox" VALUES('bdc22261-2eba-468d-adf1-0206059279eb','CaseSubmitted','notifier.case_submitted','{"event_id": "bdc22261-2eba-468d-adf1-0206059279eb", "case_id": 1, "reference": "KL-2026-0001", "case_type": "complaint"}','2026-11-30 11:14:29.895265',NULL,0,NULL);
INSERT INTO "outbox" VALUES('aec6b90e-7367-49c2-bf26-c422bfb959bc','CaseSubmitted','notifier.case_submitted','{"event_id": "aec6b90e-7367-49c2-bf26-c422bfb959bc", "case_id": 2, "reference": "KL-2026-0002", "case_type": "complaint"}','2026-11-30 11:14:29.900546',NULL,0,NULL);
INSERT INTO "outbox" VALUES('4756284e-c5a4-41e5-b83e-5e5e43a1f01a','CaseSubmitted','notifier.case_submitted','{"event_id": "4756284e-c5a4-41e5-b83e-5e5e43a1f01a", "case_id": 3, "reference": "KL-2026-0003", "case_type": "complaint"}','2026-11-30 11:14:29.903635',NULL,0,NULL);
INSERT INTO "outbox" VALUES('7b56a3d0-65dd-4247-9c00-c5a628696f5b','CaseSubmitted','notifier.case_submitted','{"event_id": "7b56a3d0-65dd-4247-9c00-c5a628696f5b", "case_id": 4, "reference": "ER-2026-0001", "case_type": "acquisition"}','2026-11-30 11:14:29.919968',NULL,0,NULL);
INSERT INTO "outbox" VALUES('3aece3ab-0a4a-4535-b1b0-99f063039b33','CaseSubmitted','notifier.case_submitted','{"event_id": "3aece3ab-0a4a-4535-b1b0-99f063039b33", "case_id": 5, "reference": "FR-2026-0001", "case_type": "sublet"}','2026-11-30 11:14:29.924679',NULL,0,NULL);
INSERT INTO "outbox" VALUES('a5df36cf-0947-4bb9-a616-fc62f14d9f91','CaseSubmitted','notifier.case_submitted','{"event_id": "a5df36cf-0947-4bb9-a616-fc62f14d9f91", "case_id": 6, "reference": "MO-2026-0001", "case_type": "meeting_request"}','2026-11-30 11:14:29.927945',NULL,0,NULL);
INSERT INTO "outbox" VALUES('30f2ab39-18ef-4f2c-a967-023d62ad1fa2','MeetingRequested','scheduler.meeting_requested','{"event_id": "30f2ab39-18ef-4f2c-a967-023d62ad1fa2", "case_id": 6}','2026-11-30 11:14:29.927947',NULL,0,NULL);
INSERT INTO "outbox" VALUES('78d8de99-45c6-4b0f-9447-2591224f7ee0','MeetingScheduled','notifier.meeting_scheduled','{"event_id": "78d8de99-45c6-4b0f-9447-2591224f7ee0", "meeting_id": 1, "sequence": 0, "method": "REQUEST"}','2026-11-30 11:14:29.972084',NULL,0,NULL);
INSERT INTO "outbox" VALUES('434ac673-c66f-44ea-bb90-d65c898a9b27','MeetingScheduled','notifier.meeting_scheduled','{"event_id": "434ac673-c66f-44ea-bb90-d65c898a9b27", "meeting_id": 2, "sequence": 0, "method": "REQUEST"}','2026-11-30 11:14:29.975176',NULL,0,NULL);
INSERT INTO "outbox" VALUES('7138f74f-51c1-4d3a-b823-e396461c19ad','MeetingScheduled','notifier.meeting_scheduled','{"event_id": "7138f74f-51c1-4d3a-b823-e396461c19ad", "meeting_id": 3, "sequence": 0, "method": "REQUEST"}','2026-11-30 11:14:29.998357',NULL,0,NULL);
INSERT INTO "outbox" VALUES('97370647-5f41-4bab-bde5-f9350931c671','MeetingRequestAnswered','notifier.meeting_request_answered','{"event_id": "97370647-5f41-4bab-bde5-f9350931c671", "case_id": 6, "outcome": "booked", "meeting_id": 3}','2026-11-30 11:14:29.998360',NULL,0,NULL);
INSERT INTO "outbox" VALUES('8f7d04cd-33ef-4c1c-9ab0-5d9a97e9efa5','CaseStatusChanged','notifier.case_status_changed','{"event_id": "8f7d04cd-33ef-4c1c-9ab0-5d9a97e9efa5", "case_id": 1, "reference": "KL-2026-0001", "action": "acknowledge", "comment": "Tatt opp med beboeren."}','2026-11-30 11:14:30.022993',NULL,0,NULL);
INSERT INTO "outbox" VALUES('5dceb3db-41db-4613-a6d6-315a8a5c9eda','CaseStatusChanged','notifier.case_status_changed','{"event_id": "5dceb3db-41db-4613-a6d6-315a8a5c9eda", "case_id": 1, "reference": "KL-2026-0001", "action": "resolve", "comment": "Tatt opp med beboeren."}','2026-11-30 11:14:30.047071',NULL,0,NULL);
INSERT INTO "outbox" VALUES('6e88ef94-ca9e-4bb4-a3a5-1510f1e801c6','CaseStatusChanged','notifier.case_status_changed','{"event_id": "6e88ef94-ca9e-4bb4-a3a5-1510f1e801c6", "case_id": 2, "reference": "KL-2026-0002", "action": "acknowledge", "comment": "Tatt opp med beboeren."}','2026-11-30 11:14:30.055697',NULL,0,NULL);
INSERT INTO "reference_counter" VALUES('KL',2026,3);
INSERT INTO "reference_counter" VALUES('ER',2026,1);
INSERT INTO "reference_counter" VALUES('FR',2026,1);
INSERT INTO "reference_counter" VALUES('MO',2026,1);
