window.YTD.account.part0 = [
  {
    "account" : {
      "accountId" : "1366700000000000001",
      "username" : "Mission_Lima",
      "accountDisplayName" : "Mission in Lima",
      "createdAt" : "2021-03-01T12:00:00.000Z",
      "createdVia" : "web"
    }
  }
]
