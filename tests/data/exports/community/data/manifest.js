window.__THAR_CONFIG = {
  "userInfo" : {
    "accountId" : "1366700000000000001",
    "userName" : "Mission_Lima",
    "displayName" : "Mission in Lima"
  },
  "archiveInfo" : {
    "sizeBytes" : "48213",
    "generationDate" : "2023-07-10T19:02:03.511Z",
    "isPartialArchive" : false,
    "maxPartSizeBytes" : "53687091200"
  },
  "dataTypes" : {
    "account" : {
      "files" : [
        {
          "fileName" : "data/account.js",
          "globalName" : "YTD.account.part0",
          "count" : "1"
        }
      ]
    },
    "tweets" : {
      "files" : [
        {
          "fileName" : "data/tweets.js",
          "globalName" : "YTD.tweets.part0",
          "count" : "1"
        }
      ]
    },
    "communityTweet" : {
      "mediaDirectory" : "data/community_tweet_media",
      "files" : [
        {
          "fileName" : "data/community-tweet.js",
          "globalName" : "YTD.community_tweet.part0",
          "count" : "1"
        }
      ]
    }
  }
}
